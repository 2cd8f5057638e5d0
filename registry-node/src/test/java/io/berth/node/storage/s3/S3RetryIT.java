package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.FaultyTcpProxy;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3 answering 5xx or too slowly, through a fault-injecting proxy in front of S3Proxy: transient
 * 503s are absorbed by bounded retries with backoff; persistent 503s and stalls give clients 503
 * with Retry-After after exactly {@code maxAttempts} tries (not an unbounded wait), readiness
 * reports it, no index entry is written, and everything works again when S3 recovers.
 */
class S3RetryIT {
  static final String MOD = "corp.example.com/retry/mod";

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static FaultyTcpProxy proxy;
  static NodeAssembly node;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    proxy = new FaultyTcpProxy(s3.port());
    NodeConfig.S3Section section =
        NodeConfig.S3Section.of(
                proxy.endpoint(), "retry", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)
            .withRetries(2, 3, 50);
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> {
              var g = c.withGo(TestNodes.go("off", List.of("corp.example.com"), 60));
              return g.withStorage(g.storage().withS3(section));
            });
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static HttpResponse<String> publish(String version) throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            MOD,
            version,
            Map.of("go.mod", "module " + MOD + "\n", "r.go", "package mod\n// " + version + "\n"));
    return Http.putFile(
        TestNodes.url(node)
            + "/_berth/api/go/publish/"
            + ModulePath.escape(MOD)
            + "/@v/"
            + version
            + ".zip",
        zip);
  }

  @Test
  void transientFailuresAreRetriedPersistentOnesGive503() throws Exception {
    proxy.failNext(1);
    HttpResponse<String> ok = publish("v1.0.0");
    assertThat(ok.statusCode()).as("a 503 absorbed by a retry: " + ok.body()).isEqualTo(201);
    assertThat(proxy.faults()).isEqualTo(1);

    proxy.mode(FaultyTcpProxy.Mode.FAIL_503);
    int before = proxy.faults();
    HttpResponse<String> down =
        Http.get(TestNodes.url(node) + "/" + ModulePath.escape(MOD) + "/@v/v1.0.1.zip");
    assertThat(down.statusCode()).isIn(403, 503);
    HttpResponse<String> failed = publish("v1.0.1");
    assertThat(failed.statusCode()).as(failed.body()).isEqualTo(503);
    assertThat(failed.headers().firstValue("Retry-After")).isPresent();
    assertThat(failed.body()).contains("storage unavailable");
    assertThat(node.moduleIndex().get(ModulePath.of(MOD), "v1.0.1")).isEmpty();
    // maxAttempts = 3 per S3 request and the publish stops at its first failing request; one
    // attempt may instead hit a pooled connection the proxy just dropped
    assertThat(proxy.faults() - before).as("bounded retries, not a retry storm").isBetween(2, 3);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Http.get(TestNodes.url(node) + "/readyz").statusCode() == 503);

    proxy.mode(FaultyTcpProxy.Mode.STALL);
    long t0 = System.nanoTime();
    HttpResponse<String> slow = publish("v1.0.2");
    long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
    assertThat(slow.statusCode()).as(slow.body()).isEqualTo(503);
    assertThat(seconds).as("timeouts bound the wait").isLessThan(50);

    proxy.mode(FaultyTcpProxy.Mode.PASS);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> Http.get(TestNodes.url(node) + "/readyz").statusCode() == 200);
    assertThat(publish("v1.0.1").statusCode()).isEqualTo(201);
    assertThat(
            Http.getBytes(TestNodes.url(node) + "/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip")
                .statusCode())
        .isEqualTo(200);
  }
}
