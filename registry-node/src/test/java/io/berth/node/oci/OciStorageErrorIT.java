package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.FaultyBlobStore;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * An I/O error of storage (not of the client's request body) is a 503 {@code UNAVAILABLE} with
 * {@code Retry-After} in OCI error JSON; only a request body that could not be read is {@code
 * BLOB_UPLOAD_INVALID}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciStorageErrorIT {
  @TempDir static Path tmp;
  FaultyBlobStore faults;
  NodeAssembly node;
  OciClient oci;

  @BeforeAll
  void start() throws Exception {
    node =
        new NodeAssembly(
                TestNodes.config(tmp.resolve("node")),
                p -> p,
                store -> faults = new FaultyBlobStore(store))
            .start();
    oci = new OciClient(TestNodes.url(node));
  }

  @AfterAll
  void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void aStorageWriteErrorDuringAPushIsUnavailableNotAnUploadError() throws Exception {
    byte[] layer = new byte[300_000];
    new Random(3).nextBytes(layer);
    Digest d = Digest.of(Digest.Algorithm.SHA256, sha256(layer));
    faults.failPuts(true);
    try {
      OciClient.Response start =
          oci.send("POST", "/v2/team/err/blobs/uploads/", null, java.util.Map.of());
      assertThat(start.status()).as(start.toString()).isEqualTo(202);
      String location = start.header("Location");
      String url = location + (location.contains("?") ? "&" : "?") + "digest=" + d;
      OciClient.Response put =
          oci.send(
              "PUT", url, layer, OciClient.headers("Content-Type", "application/octet-stream"));
      assertThat(put.status()).as(put.toString()).isEqualTo(503);
      assertThat(put.errorCode()).isEqualTo("UNAVAILABLE");
      assertThat(put.header("Retry-After")).isNotNull();
    } finally {
      faults.heal();
    }
    assertThat(oci.pushBlob("team/err", layer)).isEqualTo(d);
  }

  private static byte[] sha256(byte[] b) throws Exception {
    return java.security.MessageDigest.getInstance("SHA-256").digest(b);
  }
}
