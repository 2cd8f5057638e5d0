package io.berth.node.gc;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection of OCI content (grace 0, so links that no manifest names are old at once): a
 * tag DELETE leaves the manifest (pullable by digest) and reclaims nothing; a manifest DELETE makes
 * its bytes, config and layers reclaimable, which the dry run lists first, while a layer another
 * repository's image names stays and that image still pulls; a re-push afterwards works. An upload
 * session in progress keeps its bytes outside the blob store, so GC runs in the middle of a chunked
 * upload (even ones deleting an old orphan with the same content) do not disturb it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciGcIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static StorageUnderTest storage;
  static NodeAssembly node;
  static OciClient oci;
  static String url;

  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    storage = storage();
    startNode();
  }

  static void startNode() throws InterruptedException {
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> {
              NodeConfig s = storage.apply(c);
              return s.withStorage(
                  s.storage().withGc(new NodeConfig.GcSection(false, 1L, 0L, 0L, false)));
            });
    url = TestNodes.url(node);
    oci = new OciClient(url);
  }

  /**
   * A restart forgets the writes this node protects for at least a minute after they happened (ADR
   * 0008), so that, with grace 0, a collection right after sees only the index and the age.
   */
  static void restartNode() throws InterruptedException {
    node.close();
    startNode();
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

  @BeforeEach
  void collectLeftoversOfEarlierTests() throws Exception {
    gc(false);
  }

  static JsonNode gc(boolean dryRun) throws Exception {
    var r = Http.post(url + "/_berth/api/gc?dryRun=" + dryRun);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static Set<String> deletedDigests(JsonNode report) {
    return new HashSet<>(report.get("deleted").findValuesAsText("digest"));
  }

  static void push(String repo, String tag, Image img) {
    for (Blob b : img.blobs()) {
      oci.pushBlob(repo, b.bytes());
    }
    Response r = oci.putManifest(repo, tag, img.manifest().mediaType(), img.manifest().bytes());
    assertThat(r.status()).as(r.toString()).isEqualTo(201);
  }

  static void assertPulls(String repo, String reference, Image img) {
    Response m = oci.get("/v2/" + repo + "/manifests/" + reference);
    assertThat(m.status()).as(repo + ":" + reference).isEqualTo(200);
    assertThat(m.body()).isEqualTo(img.manifest().bytes());
    for (Blob b : img.blobs()) {
      Response g = oci.get("/v2/" + repo + "/blobs/" + b.digest());
      assertThat(g.status()).as(repo + " " + b.digest()).isEqualTo(200);
      assertThat(g.body()).isEqualTo(b.bytes());
    }
  }

  @Test
  void deletingATagThenTheManifestMakesOnlyWhatNothingElseNamesReclaimable() throws Exception {
    Image a = OciImages.image(false, "amd64", 2, 40_000, 61);
    Blob shared = a.layers().get(0);
    Blob unique = a.layers().get(1);
    Image b = OciImages.image(false, "arm64", 1, 40_000, 62);
    Blob bManifest = OciImages.manifest(b.config(), List.of(b.layers().get(0), shared));
    Image other = new Image(bManifest, b.config(), List.of(b.layers().get(0), shared));
    push("gc/a", "v1", a);
    push("gc/b", "v1", other);

    // a tag DELETE removes the name only: the manifest stays, pullable by digest, and keeps its
    // blobs alive
    assertThat(oci.delete("/v2/gc/a/manifests/v1").status()).isEqualTo(202);
    assertThat(oci.get("/v2/gc/a/manifests/v1").status()).isEqualTo(404);
    restartNode();
    JsonNode afterTag = gc(false);
    assertThat(afterTag.get("deletedBlobs").asLong()).as(afterTag.toString()).isZero();
    assertPulls("gc/a", a.manifest().digest().toString(), a);

    assertThat(oci.delete("/v2/gc/a/manifests/" + a.manifest().digest()).status()).isEqualTo(202);
    Set<String> reclaimable =
        Set.of(
            a.manifest().digest().toString(),
            a.config().digest().toString(),
            unique.digest().toString());
    JsonNode dry = gc(true);
    assertThat(dry.get("dryRun").asBoolean()).isTrue();
    assertThat(deletedDigests(dry))
        .as("the dry run lists the deleted manifest, its config and its unshared layer")
        .isEqualTo(reclaimable);
    assertThat(dry.get("deletedBytes").asLong())
        .isEqualTo(a.manifest().size() + a.config().size() + unique.size());
    for (String d : reclaimable) {
      assertThat(node.rawBlobStore().stat(Digest.parse(d)))
          .as("a dry run deletes nothing")
          .isPresent();
    }

    JsonNode real = gc(false);
    assertThat(deletedDigests(real)).isEqualTo(reclaimable);
    for (String d : reclaimable) {
      assertThat(node.rawBlobStore().stat(Digest.parse(d))).as(d).isEmpty();
    }
    assertThat(node.rawBlobStore().stat(shared.digest()))
        .as("the layer gc/b's image names")
        .isPresent();
    assertPulls("gc/b", "v1", other);
    Response gone = oci.get("/v2/gc/a/blobs/" + unique.digest());
    assertThat(gone.status()).isEqualTo(404);
    assertThat(gone.errorCode()).isEqualTo("BLOB_UNKNOWN");
    assertThat(oci.head("/v2/gc/a/blobs/" + unique.digest()).status()).isEqualTo(404);
    assertThat(oci.get("/v2/gc/a/manifests/" + a.manifest().digest()).status()).isEqualTo(404);

    // a client pushing the image again finds the reclaimed blobs missing and uploads them
    for (Blob blob : a.blobs()) {
      if (oci.head("/v2/gc/a/blobs/" + blob.digest()).status() != 200) {
        oci.pushBlob("gc/a", blob.bytes());
      }
    }
    Response again = oci.putManifest("gc/a", "v1", a.manifest().mediaType(), a.manifest().bytes());
    assertThat(again.status()).as(again.toString()).isEqualTo(201);
    assertThat(gc(false).get("deletedBlobs").asLong()).isZero();
    assertPulls("gc/a", "v1", a);
  }

  @Test
  void aChunkedUploadInProgressSurvivesGcRuns() throws Exception {
    byte[] blob = OciImages.random(300_000, 63);
    Digest d = Digest.sha256(blob);
    int third = blob.length / 3;
    Response start = oci.send("POST", "/v2/gc/upload/blobs/uploads/", null, Map.of());
    String loc = start.header("Location");
    String id = start.header("Docker-Upload-UUID");
    Response p1 =
        oci.send(
            "PATCH",
            loc,
            Arrays.copyOfRange(blob, 0, third),
            headers("Content-Range", "0-" + (third - 1)));
    assertThat(p1.status()).isEqualTo(202);
    // an old orphan with exactly the content being uploaded: GC deletes it mid-upload
    node.rawBlobStore().put(new ByteArrayInputStream(blob), PutExpectation.any());

    JsonNode first = gc(false);
    assertThat(deletedDigests(first)).contains(d.toString());
    Path file = node.ociUploads().directory().resolve(id);
    assertThat(Files.size(file))
        .as("the session's bytes live in the node's upload directory, not in the blob store")
        .isEqualTo(third);
    Response p2 =
        oci.send(
            "PATCH",
            p1.header("Location"),
            Arrays.copyOfRange(blob, third, 2 * third),
            headers("Content-Range", third + "-" + (2 * third - 1)));
    assertThat(p2.status()).isEqualTo(202);
    gc(false);
    gc(false);
    Response status = oci.get(loc);
    assertThat(status.status()).isEqualTo(204);
    assertThat(status.header("Range")).isEqualTo("0-" + (2 * third - 1));

    Response put =
        oci.send(
            "PUT",
            p2.header("Location") + "?digest=" + d,
            Arrays.copyOfRange(blob, 2 * third, blob.length),
            headers("Content-Range", 2 * third + "-" + (blob.length - 1)));
    assertThat(put.status()).as(put.toString()).isEqualTo(201);
    assertThat(oci.get("/v2/gc/upload/blobs/" + d).body()).isEqualTo(blob);
    assertThat(file).as("the finished session's file is gone").doesNotExist();

    Blob layer = new Blob(OciImages.OCI_LAYER, blob);
    Blob config = new Blob(OciImages.OCI_CONFIG, "{\"os\":\"linux\"}".getBytes());
    oci.pushBlob("gc/upload", config.bytes());
    Blob manifest = OciImages.manifest(config, List.of(layer));
    assertThat(oci.putManifest("gc/upload", "v1", manifest.mediaType(), manifest.bytes()).status())
        .isEqualTo(201);
    gc(false);
    Response after = oci.get("/v2/gc/upload/blobs/" + d);
    assertThat(after.status()).isEqualTo(200);
    assertThat(after.body()).isEqualTo(blob);
  }
}
