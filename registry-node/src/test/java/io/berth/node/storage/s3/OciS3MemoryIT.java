package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.StorageUnderTest;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 1 GiB OCI blobs pushed through a node process on the S3 backend whose JVM has a 128 MiB heap
 * ({@code -Xmx128m}, exiting on OutOfMemoryError): once monolithically ({@code POST ?digest=}) and
 * once as a chunked upload (four 256 MiB PATCHes, then {@code PUT ?digest=}). Both succeed only if
 * the request bodies, the session file and the multipart upload all stream with bounded buffers;
 * each blob reads back with the right digest and size.
 */
class OciS3MemoryIT {
  static final long SIZE = 1L << 30;

  @TempDir static Path tmp;
  static StorageUnderTest storage;
  static NodeProcess node;
  static OciClient oci;

  @BeforeAll
  static void start() throws Exception {
    storage = StorageUnderTest.s3(tmp.resolve("s3"), "oci-memory");
    node =
        NodeProcess.start(
            tmp.resolve("node"),
            slowMachineEnv(),
            tmp.resolve("node.log"),
            "127.0.0.1",
            List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"));
    oci = new OciClient(node.url());
  }

  /** The bucket, with S3 request timeouts that a loaded machine moving 1 GiB still meets. */
  private static Map<String, String> slowMachineEnv() {
    Map<String, String> env = new java.util.HashMap<>(storage.env());
    env.put("BERTH_STORAGE_S3_REQUEST_TIMEOUT_SECONDS", "60");
    return env;
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  private static void assertReadsBack(String repo, Digest d) {
    OciClient.Streamed got = oci.getDigest("/v2/" + repo + "/blobs/" + d);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.size()).isEqualTo(SIZE);
    assertThat(got.digest()).isEqualTo(d);
    assertThat(node.output()).doesNotContain("OutOfMemoryError");
    try {
      assertThat(
              java.nio.file.Files.size(
                  storage.s3().objectFile(storage.bucket(), "blobs/sha256/" + d.hex())))
          .as("the object in the bucket")
          .isEqualTo(SIZE);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void oneGibMonolithicPushWithA128MibHeap() {
    Digest d = PatternStream.digest(SIZE, 11);
    Response r =
        oci.sendStream(
            "POST",
            "/v2/memory/mono/blobs/uploads/?digest=" + d,
            () -> new PatternStream(SIZE, 11),
            SIZE,
            Map.of("Content-Type", "application/octet-stream"));
    assertThat(r.status()).as(r + "\n" + node.output()).isEqualTo(201);
    assertReadsBack("memory/mono", d);
  }

  @Test
  void oneGibChunkedPushWithA128MibHeap() {
    Digest d = PatternStream.digest(SIZE, 12);
    long chunk = SIZE / 4;
    Response start = oci.send("POST", "/v2/memory/chunked/blobs/uploads/", null, Map.of());
    assertThat(start.status()).isEqualTo(202);
    String loc = start.header("Location");
    Response p = oci.patchStreamed(loc, new PatternStream(SIZE, 12), 0, chunk, 4);
    assertThat(p.status()).as(p + "\n" + node.output()).isEqualTo(202);
    loc = p.header("Location");
    // the node streams the 1 GiB session file into the bucket before it answers
    Response put =
        oci.send(
            "PUT",
            loc + (loc.contains("?") ? "&" : "?") + "digest=" + d,
            null,
            Map.of(),
            java.time.Duration.ofMinutes(30));
    assertThat(put.status()).as(put + "\n" + node.output()).isEqualTo(201);
    assertReadsBack("memory/chunked", d);
  }
}
