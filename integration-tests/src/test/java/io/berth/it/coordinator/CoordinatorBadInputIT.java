package io.berth.it.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.coordinator.bootstrap.CoordinatorAssembly;
import io.berth.coordinator.config.CoordinatorConfig;
import io.berth.it.support.Dig;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.TestNodes;
import io.berth.proto.coordinator.v1.ResolveRequest;
import io.berth.proto.coordinator.v1.ResolverGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.DataOutputStream;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * Fuzzed and malformed DNS packets over UDP and TCP, and malformed resolve requests over HTTP and
 * gRPC, against a real coordinator (in this JVM) with a registered node: the right error each time,
 * and the server keeps answering real queries afterwards.
 */
class CoordinatorBadInputIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static TestingServer zk;
  static NodeAssembly node;
  static CoordinatorAssembly coord;

  @BeforeAll
  static void start() throws Exception {
    Dig.requireDig();
    zk = new TestingServer(true);
    Path dir = Files.createTempDirectory("coord-bad");
    node =
        TestNodes.start(
            dir.resolve("node"),
            c ->
                c.withCluster(
                    new NodeConfig.ClusterSection(
                        zk.getConnectString(), "", 5_000, 300L, 300L, 1_000L)));
    CoordinatorConfig d = CoordinatorConfig.defaults();
    CoordinatorConfig cfg =
        new CoordinatorConfig(
            new CoordinatorConfig.InstanceSection("c1", "test"),
            new CoordinatorConfig.ZooKeeperSection(zk.getConnectString(), 5_000),
            new CoordinatorConfig.HttpSection("127.0.0.1", 0, "", 4),
            new CoordinatorConfig.GrpcSection("127.0.0.1", 0),
            d.dns().withListener("127.0.0.1", 0),
            List.of(new CoordinatorConfig.NetworkSection("local", List.of("127.0.0.0/8"), "test")),
            d.routing(),
            d.env());
    coord = new CoordinatorAssembly(cfg).start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                coord.table() != null && coord.table().table().getFallback().getNodesCount() == 1);
  }

  @AfterAll
  static void stop() throws Exception {
    if (coord != null) {
      coord.close();
    }
    if (node != null) {
      node.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  static void stillAnswers() throws Exception {
    Dig.Result udp = Dig.query(coord.dnsPort(), null, "go.berth.internal.", "A");
    assertThat(udp.data("A")).as(udp.output()).containsExactly("127.0.0.1");
    Dig.Result tcp = Dig.query(coord.dnsPort(), null, "go.berth.internal.", "A", "+tcp");
    assertThat(tcp.data("A")).containsExactly("127.0.0.1");
    assertThat(Http.get(url("/healthz")).statusCode()).isEqualTo(200);
  }

  static String url(String path) {
    return "http://127.0.0.1:" + coord.httpPort() + path;
  }

  static byte[] query() throws Exception {
    return Message.newQuery(
            Record.newRecord(Name.fromString("go.berth.internal."), Type.A, DClass.IN))
        .toWire();
  }

  @Test
  void fuzzedUdpPacketsGetFormerrOrNothingAndTheServerKeepsAnswering() throws Exception {
    Random rnd = new Random(7);
    byte[] good = query();
    int formerr = 0;
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout(200);
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", coord.dnsPort());
      for (int i = 0; i < 3000; i++) {
        byte[] p;
        switch (i % 4) {
          case 0 -> {
            p = new byte[rnd.nextInt(512)];
            rnd.nextBytes(p);
          }
          case 1 -> p = java.util.Arrays.copyOf(good, 12 + rnd.nextInt(good.length - 12));
          case 2 -> {
            p = good.clone();
            for (int k = 0; k < 3; k++) {
              p[12 + rnd.nextInt(p.length - 12)] = (byte) rnd.nextInt(256);
            }
          }
          default -> {
            p = good.clone();
            p[5] = (byte) (2 + rnd.nextInt(10)); // claims several questions
          }
        }
        if (p.length > 2) {
          p[2] &= 0x7f; // a query, not a response
        }
        s.send(new DatagramPacket(p, p.length, to));
        if (i % 25 == 0) {
          byte[] buf = new byte[4096];
          DatagramPacket in = new DatagramPacket(buf, buf.length);
          try {
            while (true) {
              s.receive(in);
              Message m = new Message(java.util.Arrays.copyOf(buf, in.getLength()));
              if (m.getRcode() == Rcode.FORMERR) {
                formerr++;
              }
            }
          } catch (SocketTimeoutException drained) {
            // nothing more
          }
        }
      }
    }
    assertThat(formerr).as("FORMERR answers to malformed queries").isPositive();
    stillAnswers();
  }

  @Test
  void malformedTcpStreamsAreClosedAndTheServerKeepsAnswering() throws Exception {
    Random rnd = new Random(11);
    for (int i = 0; i < 50; i++) {
      try (Socket s = new Socket("127.0.0.1", coord.dnsPort())) {
        s.setSoTimeout(15_000);
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        switch (i % 3) {
          case 0 -> {
            out.writeShort(400);
            byte[] junk = new byte[100];
            rnd.nextBytes(junk);
            out.write(junk); // shorter than announced, then close
          }
          case 1 -> {
            byte[] junk = new byte[30];
            rnd.nextBytes(junk);
            junk[2] &= 0x7f;
            out.writeShort(junk.length);
            out.write(junk);
            out.flush();
            InputStream in = s.getInputStream();
            int hi = in.read();
            if (hi >= 0) {
              int len = (hi << 8) | in.read();
              Message m = new Message(in.readNBytes(len));
              assertThat(m.getHeader().getFlag(org.xbill.DNS.Flags.QR)).isTrue();
              assertThat(m.getHeader().getID())
                  .isEqualTo(((junk[0] & 0xff) << 8) | (junk[1] & 0xff));
              assertThat(m.getRcode()).isIn(Rcode.FORMERR, Rcode.NOTIMP, Rcode.REFUSED);
            }
          }
          default -> out.write(new byte[] {0}); // half a length prefix
        }
      }
    }
    byte[] good = query();
    try (Socket s = new Socket("127.0.0.1", coord.dnsPort())) {
      s.setSoTimeout(10_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      for (int i = 0; i < 3; i++) {
        out.writeShort(good.length);
        out.write(good);
      }
      out.flush();
      InputStream in = s.getInputStream();
      for (int i = 0; i < 3; i++) {
        int len = (in.read() << 8) | in.read();
        assertThat(new Message(in.readNBytes(len)).getRcode()).isEqualTo(Rcode.NOERROR);
      }
    }
    stillAnswers();
  }

  static JsonNode error(HttpResponse<String> r, int status) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(r.headers().firstValue("Content-Type")).contains("application/json");
    JsonNode e = JSON.readTree(r.body()).path("error");
    assertThat(e.path("message").asText()).isNotBlank();
    return e;
  }

  static HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return HTTP.send(
        b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void malformedResolveRequestsGetClearJsonErrors() throws Exception {
    assertThat(
            error(
                    send(HttpRequest.newBuilder(URI.create(url("/v1/resolve?client=not-an-ip")))),
                    400)
                .path("code")
                .asText())
        .isEqualTo("INVALID_ARGUMENT");
    assertThat(
            error(
                    send(HttpRequest.newBuilder(URI.create(url("/v1/resolve?subnet=10.0.0.1/8")))),
                    400)
                .path("message")
                .asText())
        .contains("host bits");
    error(send(HttpRequest.newBuilder(URI.create(url("/v1/resolve?limit=lots")))), 400);
    error(send(HttpRequest.newBuilder(URI.create(url("/v1/resolve?limit=-1")))), 400);
    assertThat(
            error(send(HttpRequest.newBuilder(URI.create(url("/v1/resolve?nope=1")))), 400)
                .path("message")
                .asText())
        .contains("unknown parameter");
    assertThat(
            Http.raw(
                coord.httpPort(),
                "GET /v1/resolve?client=%zz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        .startsWith("HTTP/1.1 400");
    HttpResponse<String> post =
        send(
            HttpRequest.newBuilder(URI.create(url("/v1/resolve")))
                .POST(HttpRequest.BodyPublishers.ofString("{}")));
    error(post, 405);
    assertThat(post.headers().firstValue("Allow")).contains("GET, HEAD");
    error(send(HttpRequest.newBuilder(URI.create(url("/v2/whatever")))), 404);
    HttpRequest.Builder report =
        HttpRequest.newBuilder(URI.create(url("/v1/reports")))
            .header("Content-Type", "application/json");
    error(send(report.copy().POST(HttpRequest.BodyPublishers.ofString("{not json"))), 400);
    error(
        send(report.copy().POST(HttpRequest.BodyPublishers.ofString("{\"measurements\":[]}"))),
        400);
    error(
        send(
            report
                .copy()
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"measurements\":[{\"targetId\":\"x\",\"ttfbMicros\":-5}]}"))),
        400);
    error(
        send(report.copy().POST(HttpRequest.BodyPublishers.ofString("{\"unknownField\":1}"))), 400);
    error(
        send(
            report
                .copy()
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"measurements\":["
                            + "{\"targetId\":\"x\",\"ttfbMicros\":5},".repeat(5000)
                            + "]}"))),
        413);
    HttpResponse<String> ok =
        send(
            report
                .copy()
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"measurements\":[{\"targetId\":\"test-node\",\"ttfbMicros\":900}]}")));
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(202);
    assertThat(JSON.readTree(ok.body()).path("accepted").asInt()).isEqualTo(1);
    String raw = Http.raw(coord.httpPort(), "GARBAGE\r\n\r\n");
    assertThat(raw).startsWith("HTTP/1.1 400");

    ManagedChannel ch =
        ManagedChannelBuilder.forAddress("127.0.0.1", coord.grpcPort()).usePlaintext().build();
    try {
      var stub = ResolverGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS);
      assertThatThrownBy(
              () -> stub.resolve(ResolveRequest.newBuilder().setClientAddress("999.1.1.1").build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      assertThatThrownBy(
              () ->
                  stub.resolve(ResolveRequest.newBuilder().setClientSubnet("10.0.0.0/99").build()))
          .isInstanceOfSatisfying(
              StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getDescription()).contains("prefix length"));
      assertThat(
              stub.resolve(ResolveRequest.newBuilder().setClientAddress("127.0.0.9").build())
                  .getNodesCount())
          .isEqualTo(1);
    } finally {
      ch.shutdownNow();
    }
    stillAnswers();
  }
}
