package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stalls around a pull-through fill: an upstream that sends the headers and part of a zip and then
 * nothing fails the fill within the upstream timeout (the first client sees a broken response, the
 * waiting client an error), and once the upstream is healthy the next request works; a first client
 * that stops reading is dropped after the write deadline while the fill completes for everyone
 * else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoStallIT {
  static final String STALL = "example.org/stall/slowzip";
  static final String BIG = "example.org/stall/bigzip";
  static final long UPSTREAM_TIMEOUT_SECONDS = 3;
  static final long WRITE_DEADLINE_SECONDS = 3;

  @TempDir static Path tmp;
  StaticGoProxy upstream;
  NodeAssembly node;
  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private static String randomText(int bytes, long seed) {
    byte[] b = new byte[bytes];
    new Random(seed).nextBytes(b);
    return Base64.getMimeEncoder().encodeToString(b);
  }

  @BeforeAll
  void start() throws Exception {
    Path tree = tmp.resolve("tree");
    GoModules.addToTree(
        tree,
        STALL,
        "v1.0.0",
        Map.of("go.mod", "module " + STALL + "\n", "data.txt", randomText(1 << 20, 1)));
    GoModules.addToTree(
        tree,
        BIG,
        "v1.0.0",
        Map.of("go.mod", "module " + BIG + "\n", "data.txt", randomText(24 << 20, 2)));
    upstream = new StaticGoProxy(tree);
    NodeConfig base = TestNodes.config(tmp.resolve("node"), WRITE_DEADLINE_SECONDS);
    node =
        new NodeAssembly(
                base.withGo(
                    new NodeConfig.GoSection(
                        upstream.url(), List.of(), 60L, 500L << 20, UPSTREAM_TIMEOUT_SECONDS, "")))
            .start();
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private HttpRequest get(String path) {
    return HttpRequest.newBuilder(URI.create(TestNodes.url(node) + path))
        .timeout(Duration.ofSeconds(90))
        .GET()
        .build();
  }

  private static String zipPath(String module) {
    return "/" + ModulePath.escape(module) + "/@v/v1.0.0.zip";
  }

  @Test
  void anUpstreamThatStallsMidZipFailsTheFillAndTheNextRequestWorks() throws Exception {
    String path = zipPath(STALL);
    byte[] expected = Files.readAllBytes(upstream.root().resolve(path.substring(1)));
    upstream.stallAfter(200_000);
    try {
      CompletableFuture<HttpResponse<byte[]>> first =
          client.sendAsync(get(path), HttpResponse.BodyHandlers.ofByteArray());
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> upstream.count(path) == 1);
      CompletableFuture<HttpResponse<byte[]>> waiter =
          client.sendAsync(get(path), HttpResponse.BodyHandlers.ofByteArray());

      assertThatThrownBy(() -> first.get(90, TimeUnit.SECONDS))
          .as("the first client's streamed response is broken off, not completed or left hanging")
          .satisfies(
              e ->
                  assertThat(e.getCause())
                      .isInstanceOf(IOException.class)
                      .isNotInstanceOf(HttpTimeoutException.class));
      HttpResponse<byte[]> w;
      try {
        w = waiter.get(90, TimeUnit.SECONDS);
        assertThat(w.statusCode()).as(new String(w.body(), StandardCharsets.UTF_8)).isEqualTo(502);
        assertThat(w.headers().firstValue("Content-Type"))
            .get()
            .asString()
            .startsWith("text/plain");
      } catch (java.util.concurrent.ExecutionException e) {
        // the waiter joined the stream as the leader's second attempt: also a prompt failure
        assertThat(e.getCause()).isNotInstanceOf(HttpTimeoutException.class);
      }
    } finally {
      upstream.heal();
    }
    HttpResponse<byte[]> ok = client.send(get(path), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo(expected);
    HttpResponse<byte[]> again = client.send(get(path), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(again.body()).isEqualTo(expected);
  }

  @Test
  void aFirstClientThatStopsReadingIsDroppedAndTheFillCompletes() throws Exception {
    String path = zipPath(BIG);
    byte[] expected = Files.readAllBytes(upstream.root().resolve(path.substring(1)));
    assertThat(expected.length).as("larger than all socket buffers").isGreaterThan(12 << 20);
    try (Socket s = new Socket()) {
      s.setReceiveBufferSize(4096);
      s.connect(new InetSocketAddress("127.0.0.1", node.port()), 10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
              .getBytes(StandardCharsets.UTF_8));
      out.flush();
      // read nothing: the node's writes back up until its write deadline drops this client

      Awaitility.await()
          .atMost(Duration.ofSeconds(120))
          .pollInterval(Duration.ofMillis(500))
          .untilAsserted(
              () -> {
                HttpResponse<byte[]> r =
                    client.send(get(path), HttpResponse.BodyHandlers.ofByteArray());
                assertThat(r.statusCode()).isEqualTo(200);
                assertThat(r.body()).isEqualTo(expected);
              });
      assertThat(upstream.count(path)).as("one upstream fetch filled the cache").isEqualTo(1);

      // the stalled client was dropped: reading now ends (EOF or reset) well short of the body
      s.setSoTimeout(60_000);
      InputStream in = s.getInputStream();
      long total = 0;
      byte[] buf = new byte[64 * 1024];
      try {
        int n;
        while ((n = in.read(buf)) > 0) {
          total += n;
        }
      } catch (java.net.SocketException e) {
        // reset: also dropped
      }
      assertThat(total).as("bytes the dropped client got").isLessThan(expected.length);
    }
  }
}
