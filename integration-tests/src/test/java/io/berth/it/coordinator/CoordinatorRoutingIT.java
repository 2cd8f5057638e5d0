package io.berth.it.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.it.support.ClusterNodes;
import io.berth.it.support.CoordinatorProcess;
import io.berth.it.support.Dig;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.NodeProcess;
import io.berth.proto.coordinator.v1.RankedNode;
import io.berth.proto.coordinator.v1.ResolveRequest;
import io.berth.proto.coordinator.v1.ResolveResponse;
import io.berth.proto.coordinator.v1.ResolverGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Two regions' nodes on distinct loopback addresses (a: 127.0.1.x, b: 127.0.2.x), registered in a
 * real ZooKeeper; one coordinator process. The real dig asks from each region's CIDR, with and
 * without EDNS Client Subnet; the resolve API over HTTP and gRPC; and a node is killed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CoordinatorRoutingIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ZONE = "berth.test.";
  static TestingServer zk;
  static Path dir;
  static final List<NodeProcess> nodes = new ArrayList<>();
  static CoordinatorProcess coord;

  @BeforeAll
  static void start() throws Exception {
    Dig.requireDig();
    zk = new TestingServer(true);
    dir = Files.createTempDirectory("coord-routing");
    String z = zk.getConnectString();
    nodes.add(ClusterNodes.start(dir, "a1", "a", "127.0.1.2", z, null, Map.of()));
    nodes.add(ClusterNodes.start(dir, "a2", "a", "127.0.1.3", z, null, Map.of()));
    nodes.add(ClusterNodes.start(dir, "b1", "b", "127.0.2.2", z, null, Map.of()));
    nodes.add(ClusterNodes.start(dir, "b2", "b", "127.0.2.3", z, null, Map.of()));
    coord =
        CoordinatorProcess.start(
            dir,
            "c1",
            "",
            z,
            ZONE,
            List.of(
                new CoordinatorProcess.Network("net-a", List.of("127.0.1.0/24"), "a"),
                new CoordinatorProcess.Network("net-b", List.of("127.0.2.0/24"), "b")),
            5_000);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              for (String region : List.of("a", "b")) {
                String ip = region.equals("a") ? "127.0.1.50" : "127.0.2.50";
                JsonNode r = resolve("client=" + ip);
                assertThat(r.path("nodes")).hasSize(4);
                assertThat(r.path("nodes").get(3).path("reason").asText()).contains("measurement");
                // once the first measurements (cold JVMs) have settled, each region is first
                assertThat(r.path("nodes").get(0).path("region").asText()).isEqualTo(region);
                assertThat(r.path("nodes").get(1).path("region").asText()).isEqualTo(region);
              }
            });
  }

  @AfterAll
  static void stop() throws Exception {
    if (coord != null) {
      coord.close();
    }
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  static JsonNode resolve(String query) throws Exception {
    var r = Http.get(coord.url() + "/v1/resolve?" + query);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  @Test
  @Order(1)
  void digFromEachRegionsCidrGetsThatRegionsNodesOverUdpAndTcp() throws Exception {
    for (String transport : List.of("+notcp", "+tcp")) {
      Dig.Result a = Dig.query(coord.dnsPort(), "127.0.1.50", "go." + ZONE, "A", transport);
      assertThat(a.status()).as(a.output()).isEqualTo("NOERROR");
      assertThat(a.authoritative()).isTrue();
      assertThat(a.data("A")).containsExactlyInAnyOrder("127.0.1.2", "127.0.1.3");
      Dig.Result b = Dig.query(coord.dnsPort(), "127.0.2.50", "oci." + ZONE, "A", transport);
      assertThat(b.data("A")).as(b.output()).containsExactlyInAnyOrder("127.0.2.2", "127.0.2.3");
      assertThat(b.answers().get(0)).contains("\t5\tIN\tA\t");
    }
  }

  @Test
  @Order(2)
  void ednsClientSubnetOverridesTheSourceAddress() throws Exception {
    Dig.Result r =
        Dig.query(coord.dnsPort(), "127.0.1.50", "go." + ZONE, "A", "+subnet=127.0.2.0/24");
    assertThat(r.data("A")).as(r.output()).containsExactlyInAnyOrder("127.0.2.2", "127.0.2.3");
    assertThat(r.output()).contains("CLIENT-SUBNET: 127.0.2.0/24/24");
    Dig.Result back =
        Dig.query(coord.dnsPort(), "127.0.2.50", "go." + ZONE, "A", "+subnet=127.0.1.0/24");
    assertThat(back.data("A")).containsExactlyInAnyOrder("127.0.1.2", "127.0.1.3");
  }

  @Test
  @Order(3)
  void soaNsSrvNxdomainAndRefused() throws Exception {
    int p = coord.dnsPort();
    Dig.Result soa = Dig.query(p, null, ZONE, "SOA");
    assertThat(soa.data("SOA")).hasSize(1);
    assertThat(soa.data("SOA").get(0)).startsWith("ns1." + ZONE + " hostmaster." + ZONE);
    assertThat(Dig.query(p, null, ZONE, "NS").data("NS")).containsExactly("ns1." + ZONE);
    Dig.Result srv = Dig.query(p, "127.0.2.50", "_http._tcp.go." + ZONE, "SRV");
    assertThat(srv.data("SRV")).hasSize(2);
    assertThat(srv.data("SRV").get(0))
        .matches("0 0 \\d+ b[12]\\.b\\.nodes\\." + ZONE.replace(".", "\\."));
    String target = srv.data("SRV").get(0).split(" ")[3];
    assertThat(Dig.query(p, null, target, "A").data("A")).hasSize(1);
    Dig.Result nx = Dig.query(p, null, "nothing-here." + ZONE, "A");
    assertThat(nx.status()).isEqualTo("NXDOMAIN");
    assertThat(nx.authoritative()).isTrue();
    assertThat(nx.output()).contains("AUTHORITY SECTION");
    Dig.Result refused = Dig.query(p, null, "example.com.", "A");
    assertThat(refused.status()).isEqualTo("REFUSED");
    assertThat(refused.answers()).isEmpty();
  }

  @Test
  @Order(4)
  void resolveApiOverHttpJsonAndGrpcRanksWithLatencyAndReasons() throws Exception {
    JsonNode b = resolve("client=127.0.2.9&limit=3");
    assertThat(b.path("network").asText()).isEqualTo("net-b");
    assertThat(b.path("region").asText()).isEqualTo("b");
    assertThat(b.path("nodes")).hasSize(3);
    assertThat(b.path("nodes").get(0).path("region").asText()).isEqualTo("b");
    assertThat(b.path("nodes").get(2).path("region").asText()).isEqualTo("a");
    assertThat(b.path("nodes").get(0).path("reason").asText()).contains("ms");
    assertThat(b.path("nodes").get(0).path("estimatedLatencyMicros").asLong()).isPositive();
    assertThat(b.path("leaderId").asText()).isEqualTo("c1");
    ManagedChannel ch =
        ManagedChannelBuilder.forAddress("127.0.0.1", coord.grpcPort()).usePlaintext().build();
    try {
      ResolveResponse g =
          ResolverGrpc.newBlockingStub(ch)
              .withDeadlineAfter(10, TimeUnit.SECONDS)
              .resolve(ResolveRequest.newBuilder().setClientSubnet("127.0.1.0/24").build());
      assertThat(g.getRegion()).isEqualTo("a");
      assertThat(g.getNodesList()).hasSize(4);
      assertThat(g.getNodesList().subList(0, 2))
          .extracting(RankedNode::getNodeId)
          .containsExactlyInAnyOrder("a1", "a2");
      assertThat(g.getNodes(0).getReason()).isNotBlank();
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  @Order(5)
  void aKilledNodeLeavesDnsAndTheResolveApiWithinThreeSeconds() throws Exception {
    NodeProcess a1 = nodes.get(0);
    assertThat(Dns.a(coord.dnsPort(), "127.0.1.50", "go." + ZONE)).contains("127.0.1.2");
    long start = System.nanoTime();
    a1.kill9();
    long dnsGone = 0;
    long apiGone = 0;
    long deadline = start + TimeUnit.SECONDS.toNanos(30);
    while ((dnsGone == 0 || apiGone == 0) && System.nanoTime() < deadline) {
      List<String> answers = Dns.a(coord.dnsPort(), "127.0.1.50", "go." + ZONE);
      if (dnsGone == 0 && answers != null && !answers.isEmpty() && !answers.contains("127.0.1.2")) {
        dnsGone = System.nanoTime();
      }
      if (apiGone == 0 && !resolve("client=127.0.1.50").toString().contains("\"a1\"")) {
        apiGone = System.nanoTime();
      }
      Thread.sleep(20);
    }
    assertThat(dnsGone).as("DNS stopped naming the dead node").isPositive();
    assertThat(apiGone).as("the resolve API stopped naming the dead node").isPositive();
    long dnsMs = (dnsGone - start) / 1_000_000;
    long apiMs = (apiGone - start) / 1_000_000;
    System.out.printf(
        "node loss: DNS changed after %d ms, resolve API after %d ms%n", dnsMs, apiMs);
    assertThat(dnsMs).as("DNS failover time").isLessThanOrEqualTo(3_000);
    assertThat(apiMs).as("resolve API failover time").isLessThanOrEqualTo(3_000);
    Dig.Result after = Dig.query(coord.dnsPort(), "127.0.1.50", "go." + ZONE, "A");
    assertThat(after.data("A")).doesNotContain("127.0.1.2").contains("127.0.1.3");
  }
}
