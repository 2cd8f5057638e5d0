package io.berth.node.oci;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.StoredBlob;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The dedup read leak (zot CVE-2024-39897): content is stored once, but a repository reads only
 * what it links. A blob or manifest pushed to repository A is unknown through B (GET, HEAD, Range),
 * though the store holds it once; mounting it from A into B needs read rights on A.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciLeakIT {
  @TempDir static Path tmp;
  static NodeAssembly node;
  static OciClient oci;
  static Image image;

  static StorageUnderTest storage;

  /** Storage under test; the default is the embedded file store. */
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    storage = storage();
    node =
        new NodeAssembly(
                storage.apply(TestNodes.config(tmp.resolve("node"))), TestAccessPolicy::new)
            .start();
    oci = new OciClient(TestNodes.url(node));
    image = OciImages.image(false, "amd64", 2, 5000, 77);
    for (String repo : List.of("team/a", "secret/a")) {
      for (Blob b : image.blobs()) {
        oci.pushBlob(repo, b.bytes());
      }
      Response r =
          oci.putManifest(repo, "v1", image.manifest().mediaType(), image.manifest().bytes());
      assertThat(r.status()).isEqualTo(201);
    }
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

  static List<Digest> allDigests() {
    List<Digest> all = new ArrayList<>();
    for (Blob b : image.blobs()) {
      all.add(b.digest());
    }
    all.add(image.manifest().digest());
    return all;
  }

  @Test
  void theStoreHoldsEachBlobOnce() {
    BlobStore store = node.blobStore();
    List<StoredBlob> stored = new ArrayList<>();
    store.forEach(stored::add);
    for (Digest d : allDigests()) {
      assertThat(stored.stream().filter(s -> s.digest().equals(d)).count()).isEqualTo(1);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"team/b", "team", "team/a/b", "teama", "other/a"})
  void anotherRepositoryCannotReadTheBlobsByDigest(String repo) {
    for (Digest d : allDigests()) {
      String url = "/v2/" + repo + "/blobs/" + d;
      Response get = oci.get(url);
      assertThat(get.status()).as(url).isEqualTo(404);
      assertThat(get.errorCode()).isEqualTo("BLOB_UNKNOWN");
      assertThat(oci.head(url).status()).isEqualTo(404);
      Response range = oci.get(url, headers("Range", "bytes=0-10"));
      assertThat(range.status()).isEqualTo(404);
      assertThat(range.errorCode()).isEqualTo("BLOB_UNKNOWN");
      assertThat(range.body()).isNotEqualTo(java.util.Arrays.copyOf(image.config().bytes(), 11));
    }
    Response manifest = oci.get("/v2/" + repo + "/manifests/" + image.manifest().digest());
    assertThat(manifest.status()).isEqualTo(404);
    assertThat(manifest.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
    assertThat(oci.get("/v2/" + repo + "/manifests/v1").status()).isEqualTo(404);
  }

  @Test
  void theOwningRepositoryReadsThem() {
    for (Digest d : allDigests()) {
      assertThat(oci.head("/v2/team/a/blobs/" + d).status()).isEqualTo(200);
    }
  }

  @Test
  void mountWithoutReadRightsOnTheSourceIsANewSessionNotALink() {
    for (Blob b : image.blobs()) {
      Response r =
          oci.send(
              "POST",
              "/v2/team/thief/blobs/uploads/?mount=" + b.digest() + "&from=secret/a",
              null,
              Map.of());
      assertThat(r.status()).as(r.toString()).isEqualTo(202);
      assertThat(r.header("Location")).startsWith("/v2/team/thief/blobs/uploads/");
      assertThat(oci.head("/v2/team/thief/blobs/" + b.digest()).status()).isEqualTo(404);
    }
    Response put =
        oci.putManifest(
            "team/thief", "stolen", image.manifest().mediaType(), image.manifest().bytes());
    assertThat(put.status()).as("a manifest cannot borrow unlinked blobs").isEqualTo(400);
    assertThat(put.errorCode()).isEqualTo("MANIFEST_BLOB_UNKNOWN");
  }

  @Test
  void mountWithReadRightsLinksOnlyTheMountedBlob() {
    Blob layer = image.layers().get(0);
    Response r =
        oci.send(
            "POST",
            "/v2/team/friend/blobs/uploads/?mount=" + layer.digest() + "&from=team/a",
            null,
            Map.of());
    assertThat(r.status()).isEqualTo(201);
    assertThat(oci.head("/v2/team/friend/blobs/" + layer.digest()).status()).isEqualTo(200);
    assertThat(oci.head("/v2/team/friend/blobs/" + image.layers().get(1).digest()).status())
        .isEqualTo(404);
  }

  @Test
  void referrersAndTagsDoNotCrossRepositories() {
    Response refs = oci.get("/v2/team/b/referrers/" + image.manifest().digest());
    assertThat(refs.status()).isEqualTo(200);
    assertThat(refs.json().get("manifests")).isEmpty();
    assertThat(oci.get("/v2/team/b/tags/list").status()).isEqualTo(404);
  }
}
