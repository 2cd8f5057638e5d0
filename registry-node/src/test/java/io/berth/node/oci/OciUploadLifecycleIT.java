package io.berth.node.oci;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upload sessions outlive the node process: a chunked upload started before a graceful restart
 * continues after it, and abandoned sessions expire and have their bytes reclaimed by the sweep.
 */
class OciUploadLifecycleIT {
  @TempDir Path tmp;
  StorageUnderTest storage;

  /** Storage under test (servers it starts keep their files under {@code dir}). */
  protected StorageUnderTest storage(Path dir) throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeEach
  void startStorage() throws Exception {
    storage = storage(tmp.resolve("s3"));
  }

  @AfterEach
  void stopStorage() throws Exception {
    storage.close();
  }

  @Test
  void aChunkedUploadContinuesAfterAGracefulRestart() throws Exception {
    Path data = tmp.resolve("node");
    NodeConfig config = storage.apply(TestNodes.config(data));
    byte[] blob = OciImages.random(3 << 20, 1);
    Digest d = Digest.sha256(blob);
    int third = blob.length / 3;
    String loc;
    try (NodeAssembly node = new NodeAssembly(config).start()) {
      OciClient oci = new OciClient(TestNodes.url(node));
      loc = oci.send("POST", "/v2/restart/app/blobs/uploads/", null, Map.of()).header("Location");
      Response p1 =
          oci.send(
              "PATCH",
              loc,
              Arrays.copyOfRange(blob, 0, third),
              headers("Content-Range", "0-" + (third - 1)));
      assertThat(p1.status()).isEqualTo(202);
      loc = p1.header("Location");
    }
    try (NodeAssembly node = new NodeAssembly(config).start()) {
      OciClient oci = new OciClient(TestNodes.url(node));
      Response status = oci.get(loc);
      assertThat(status.status()).as(status.toString()).isEqualTo(204);
      assertThat(status.header("Range")).isEqualTo("0-" + (third - 1));
      Response p2 =
          oci.send(
              "PATCH",
              loc,
              Arrays.copyOfRange(blob, third, 2 * third),
              headers("Content-Range", third + "-" + (2 * third - 1)));
      assertThat(p2.status()).as(p2.toString()).isEqualTo(202);
      Response put =
          oci.send(
              "PUT",
              p2.header("Location") + "?digest=" + d,
              Arrays.copyOfRange(blob, 2 * third, blob.length),
              headers("Content-Range", 2 * third + "-" + (blob.length - 1)));
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      Response get = oci.get("/v2/restart/app/blobs/" + d);
      assertThat(get.status()).isEqualTo(200);
      assertThat(get.body()).isEqualTo(blob);
      assertThat(listUploads(data)).as("the finished session's file is gone").isEmpty();
    }
  }

  @Test
  void abandonedUploadsExpireAndTheirBytesAreReclaimed() throws Exception {
    Path data = tmp.resolve("expiring");
    NodeConfig config =
        storage.apply(TestNodes.config(data).withOci(new NodeConfig.OciSection(4L << 20, 2L, 1L)));
    try (NodeAssembly node = new NodeAssembly(config).start()) {
      OciClient oci = new OciClient(TestNodes.url(node));
      String loc =
          oci.send("POST", "/v2/expire/app/blobs/uploads/", null, Map.of()).header("Location");
      assertThat(oci.send("PATCH", loc, OciImages.random(100_000, 2), Map.of()).status())
          .isEqualTo(202);
      String id = loc.substring(loc.lastIndexOf('/') + 1);
      Path file = data.resolve("oci-uploads").resolve(id);
      assertThat(file).exists();
      Path stray = data.resolve("oci-uploads").resolve("no-session-has-this-file");
      Files.write(stray, new byte[1000]);

      await()
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                assertThat(oci.get(loc).status()).isEqualTo(404);
                assertThat(file).doesNotExist();
                assertThat(stray).doesNotExist();
              });
      assertThat(node.ociIndex().upload(id)).isEmpty();
      assertThat(oci.get(loc).errorCode()).isEqualTo("BLOB_UPLOAD_UNKNOWN");
    }
  }

  private static java.util.List<Path> listUploads(Path data) throws java.io.IOException {
    Path dir = data.resolve("oci-uploads");
    if (!Files.isDirectory(dir)) {
      return java.util.List.of();
    }
    try (var s = Files.list(dir)) {
      return s.toList();
    }
  }
}
