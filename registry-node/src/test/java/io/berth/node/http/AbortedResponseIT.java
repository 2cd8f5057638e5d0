package io.berth.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.FaultyBlobStore;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.TestNodes;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A response whose content fails in the middle (a storage read error while a blob streams, or a
 * pull-through fill that is rejected after its first client got most of the bytes) must end as a
 * broken connection, never as a "successful" response shorter than its Content-Length, and must not
 * leak the pooled buffer it was filling. A storage read error before the response started is a 503
 * in the protocol's format, not an upload error.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AbortedResponseIT {
  static final String BAD = "example.com/broken/zip";

  @TempDir static Path tmp;
  FaultyBlobStore faults;
  NodeAssembly node;
  StaticGoProxy upstream;
  OciClient oci;
  byte[] layer;
  Digest layerDigest;
  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  void start() throws Exception {
    Path tree = tmp.resolve("tree");
    Path dir = tree.resolve(ModulePath.escape(BAD)).resolve("@v");
    Files.createDirectories(dir);
    byte[] junk = new byte[200_000];
    new Random(7).nextBytes(junk);
    Files.write(dir.resolve("v1.0.0.zip"), junk); // not a zip: every fill is rejected
    upstream = new StaticGoProxy(tree);
    node =
        new NodeAssembly(
                TestNodes.config(tmp.resolve("node"))
                    .withGo(TestNodes.go(upstream.url(), List.of(), 60)),
                p -> p,
                store -> faults = new FaultyBlobStore(store))
            .start();
    oci = new OciClient(TestNodes.url(node));
    layer = new byte[1 << 20];
    new Random(1).nextBytes(layer);
    layerDigest = oci.pushBlob("team/app", layer);
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

  /**
   * GETs {@code path}; the whole exchange must end within 2 minutes (the JDK client's request
   * timeout covers the headers only): a response left short would otherwise end only at the node's
   * 300 s idle close, which would look like a broken connection too.
   */
  private HttpResponse<byte[]> get(String path) throws IOException, InterruptedException {
    try {
      return client
          .sendAsync(
              HttpRequest.newBuilder(URI.create(TestNodes.url(node) + path))
                  .timeout(Duration.ofSeconds(20))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofByteArray())
          .get(2, TimeUnit.MINUTES);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new AssertionError(e.getCause());
    } catch (TimeoutException e) {
      throw new AssertionError("the response neither completed nor broke off within 2 minutes");
    }
  }

  private static long usedDirectMemory() {
    return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
  }

  @Test
  void aBlobWhoseReadFailsMidStreamBreaksTheConnection() throws Exception {
    String path = "/v2/team/app/blobs/" + layerDigest;
    faults.failReads(layerDigest, 300_000);
    try {
      for (int i = 0; i < 3; i++) {
        assertThatThrownBy(() -> get(path))
            .as("a short body must not look like a complete response")
            .isInstanceOf(IOException.class)
            .isNotInstanceOf(HttpTimeoutException.class);
      }
    } finally {
      faults.heal();
    }
    HttpResponse<byte[]> ok = get(path);
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo(layer);
  }

  @Test
  void aStorageErrorBeforeTheResponseIsUnavailableNotAnUploadError() throws Exception {
    faults.failReads(layerDigest, 0);
    try {
      OciClient.Response r = oci.get("/v2/team/app/blobs/" + layerDigest);
      assertThat(r.status()).as(r.toString()).isEqualTo(503);
      assertThat(r.errorCode()).isEqualTo("UNAVAILABLE");
      assertThat(r.header("Retry-After")).isNotNull();
    } finally {
      faults.heal();
    }
  }

  @Test
  void abortedStreamsDoNotLeakPooledBuffers() throws Exception {
    String blob = "/v2/team/app/blobs/" + layerDigest;
    String zip = "/" + ModulePath.escape(BAD) + "/@v/v1.0.0.zip";
    // warm up the allocator's per-thread caches before the baseline
    for (int i = 0; i < 10; i++) {
      abortedGets(blob, zip);
    }
    long before = usedDirectMemory();
    for (int i = 0; i < 150; i++) {
      abortedGets(blob, zip);
    }
    long after = usedDirectMemory();
    // a leak of one 64 KiB chunk buffer per aborted response would be about 19 MiB here
    assertThat(after - before)
        .as("direct memory in use grew from %d to %d bytes", before, after)
        .isLessThan(6L << 20);
  }

  private void abortedGets(String blob, String zip) throws Exception {
    faults.failReads(layerDigest, 100_000);
    try {
      assertThatThrownBy(() -> get(blob)).isInstanceOf(IOException.class);
    } finally {
      faults.heal();
    }
    try {
      HttpResponse<byte[]> r = get(zip);
      assertThat(r.statusCode()).as("an invalid upstream zip is never a 200").isNotEqualTo(200);
    } catch (IOException e) {
      assertThat(e).isNotInstanceOf(HttpTimeoutException.class);
    }
  }
}
