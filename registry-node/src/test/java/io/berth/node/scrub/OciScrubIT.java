package io.berth.node.scrub;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scrub of OCI content corrupted on disk (the file store's file; with S3, the S3Proxy backing file
 * of the object): a large layer, a small layer that was already served (and so sits in the node's
 * memory cache) and a manifest's bytes. Scrub detects all three and quarantines them; afterwards
 * GET, HEAD and Range requests answer the spec's 404 JSON, never the corrupt bytes; pushing the
 * image again stores them anew and it pulls intact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciScrubIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static StorageUnderTest storage;
  static NodeAssembly node;
  static OciClient oci;

  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    storage = storage();
    node = TestNodes.start(tmp.resolve("node"), c -> storage.apply(c));
    oci = new OciClient(TestNodes.url(node));
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  private static void corrupt(Path file) throws Exception {
    assertThat(file).exists();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x5a);
    }
  }

  private static void push(String repo, Image img) {
    for (Blob b : img.blobs()) {
      if (oci.head("/v2/" + repo + "/blobs/" + b.digest()).status() != 200) {
        oci.pushBlob(repo, b.bytes());
      }
    }
    Response r = oci.putManifest(repo, "v1", img.manifest().mediaType(), img.manifest().bytes());
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  private static void assertNeverServed(String repo, Blob b) {
    String url = "/v2/" + repo + "/blobs/" + b.digest();
    Response get = oci.get(url);
    assertThat(get.status()).as("GET " + url).isEqualTo(404);
    assertThat(get.header("Content-Type")).startsWith("application/json");
    assertThat(get.errorCode()).isEqualTo("BLOB_UNKNOWN");
    assertThat(oci.head(url).status()).isEqualTo(404);
    Response range = oci.get(url, headers("Range", "bytes=0-99"));
    assertThat(range.status()).isEqualTo(404);
    assertThat(range.errorCode()).isEqualTo("BLOB_UNKNOWN");
  }

  @Test
  void corruptLayersAndManifestsAreQuarantinedAndNeverServed() throws Exception {
    Image img = OciImages.image(false, "amd64", 2, 1, 71);
    Blob big = new Blob(OciImages.OCI_LAYER, OciImages.random(3 << 20, 72));
    Blob small = img.layers().get(0);
    Blob manifest = OciImages.manifest(img.config(), List.of(small, big));
    Image image = new Image(manifest, img.config(), List.of(small, big));
    push("scrub/app", image);
    // served once, so the small layer and the manifest are in the node's memory cache
    assertThat(oci.get("/v2/scrub/app/blobs/" + small.digest()).body()).isEqualTo(small.bytes());
    assertThat(oci.get("/v2/scrub/app/manifests/v1").body()).isEqualTo(manifest.bytes());

    for (Blob b : List.of(big, small, manifest)) {
      corrupt(storage.blobFile(node, b.digest()));
    }
    var r = Http.post(TestNodes.url(node) + "/_berth/api/scrub");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode report = JSON.readTree(r.body());
    assertThat(report.get("corruptBlobs").asLong()).isEqualTo(3);
    assertThat(report.get("quarantined").asLong()).isEqualTo(3);
    assertThat(report.get("repaired").asLong()).as("no OCI repair source yet").isZero();
    Set<String> corrupt = new HashSet<>(report.get("corrupt").findValuesAsText("digest"));
    assertThat(corrupt)
        .containsExactlyInAnyOrder(
            big.digest().toString(), small.digest().toString(), manifest.digest().toString());
    assertThat(Http.get(TestNodes.url(node) + "/metrics").body())
        .contains("berth_scrub_corrupt_total 3.0");

    assertNeverServed("scrub/app", big);
    assertNeverServed("scrub/app", small);
    Response m = oci.get("/v2/scrub/app/manifests/v1");
    assertThat(m.status()).as("a quarantined manifest is not served").isEqualTo(404);
    assertThat(m.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
    assertThat(oci.get("/v2/scrub/app/manifests/" + manifest.digest()).status()).isEqualTo(404);
    Response config = oci.get("/v2/scrub/app/blobs/" + img.config().digest());
    assertThat(config.status()).as("the intact config is still served").isEqualTo(200);
    assertThat(Digest.sha256(config.body())).isEqualTo(img.config().digest());

    // the client pushes again: what was quarantined is missing, so it is uploaded and stored anew
    push("scrub/app", image);
    OciClient.Streamed again = oci.getDigest("/v2/scrub/app/blobs/" + big.digest());
    assertThat(again.status()).isEqualTo(200);
    assertThat(again.digest()).isEqualTo(big.digest());
    assertThat(oci.get("/v2/scrub/app/blobs/" + small.digest()).body()).isEqualTo(small.bytes());
    assertThat(oci.get("/v2/scrub/app/manifests/v1").body()).isEqualTo(manifest.bytes());
    JsonNode clean = JSON.readTree(Http.post(TestNodes.url(node) + "/_berth/api/scrub").body());
    assertThat(clean.get("corruptBlobs").asLong()).isZero();
  }
}
