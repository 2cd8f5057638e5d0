package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.testsupport.GatedInputStream;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * M1 on GOPROXY: the node's S3 upload buffer budget (one part here) is held by another upload, so a
 * pull-through miss of a 1 MiB module zip cannot get a buffer within {@code bufferWaitMillis}. The
 * client gets the GOPROXY busy answer, {@code 503} text with {@code Retry-After}, not an aborted
 * 200 (the response is started only once the store reads the first byte). Once the budget is free
 * again, the retry downloads the zip intact.
 */
class GoPullThroughBusyS3IT {
  static final String MOD = "github.com/example/busy";
  static final int PART = 8 << 20;

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static StaticGoProxy upstream;
  static NodeAssembly node;
  static Path tree;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    tree = tmp.resolve("tree");
    byte[] noise = new byte[1 << 20];
    new Random(42).nextBytes(noise);
    GoModules.addToTree(
        tree,
        MOD,
        "v1.0.0",
        Map.of(
            "go.mod",
            "module " + MOD + "\n",
            "data.txt",
            Base64.getMimeEncoder().encodeToString(noise)));
    upstream = new StaticGoProxy(tree);
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c ->
                c.withGo(TestNodes.go(upstream.url(), List.of(), 60))
                    .withStorage(c.storage().withS3(s3.config("go-busy").withBuffers(PART, 500))));
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {node, upstream, s3}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void aMissWhileTheBudgetIsHeldIs503WithRetryAfterThenTheRetryDownloads() throws Exception {
    Path zipFile = tree.resolve(ModulePath.escape(MOD)).resolve("@v").resolve("v1.0.0.zip");
    byte[] zip = Files.readAllBytes(zipFile);
    assertThat(zip.length).as("needs a leased buffer").isGreaterThan(256 << 10);
    String url = TestNodes.url(node) + "/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip";

    long holdSize = 3L * PART;
    GatedInputStream gate = new GatedInputStream(new PatternStream(holdSize, 5), PART + 1000);
    CompletableFuture<StoredBlob> holder =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return node.rawBlobStore().put(gate, PutExpectation.any().withSize(holdSize));
              } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    try {
      assertThat(gate.reached().await(60, TimeUnit.SECONDS)).as("budget held").isTrue();
      HttpResponse<String> busy = Http.get(url);
      assertThat(busy.statusCode()).as(busy.body()).isEqualTo(503);
      assertThat(busy.headers().firstValue("Retry-After")).isPresent();
      assertThat(busy.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
      assertThat(busy.body()).contains("storage busy").contains("retry later");
    } finally {
      gate.open();
    }
    holder.get(120, TimeUnit.SECONDS);
    HttpResponse<byte[]> ok = Http.getBytes(url);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo(zip);
  }
}
