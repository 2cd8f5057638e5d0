package io.berth.node.oci;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OCI distribution spec v1.1 checks (the conformance suite's categories, written from the spec
 * and ../shared/REFERENCES.md) against an in-process node over real HTTP with the JDK client: pull,
 * push in every upload mode, wrong digests in every mode, Range requests, mounts with and without
 * read rights, manifests of every supported type, tags and catalog pagination, referrers, deletes,
 * and the error body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciConformanceIT {
  static final Set<String> SPEC_CODES =
      Set.of(
          "BLOB_UNKNOWN",
          "BLOB_UPLOAD_INVALID",
          "BLOB_UPLOAD_UNKNOWN",
          "DIGEST_INVALID",
          "MANIFEST_BLOB_UNKNOWN",
          "MANIFEST_INVALID",
          "MANIFEST_UNKNOWN",
          "NAME_INVALID",
          "NAME_UNKNOWN",
          "SIZE_INVALID",
          "UNAUTHORIZED",
          "DENIED",
          "UNSUPPORTED",
          "TOOMANYREQUESTS");

  @TempDir static Path tmp;
  static StorageUnderTest storage;
  static NodeAssembly node;
  static OciClient oci;

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

  static void assertError(Response r, int status, String code) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    if (r.raw().request().method().equals("HEAD")) {
      return;
    }
    assertThat(r.header("Content-Type")).startsWith("application/json");
    JsonNode errors = r.json().get("errors");
    assertThat(errors.isArray()).as(r.text()).isTrue();
    assertThat(errors).isNotEmpty();
    JsonNode e = errors.get(0);
    assertThat(e.has("code") && e.has("message") && e.has("detail")).as(r.text()).isTrue();
    assertThat(e.get("code").asText()).isEqualTo(code);
    assertThat(SPEC_CODES).contains(code);
  }

  static String upload(String repo) {
    Response r = oci.send("POST", "/v2/" + repo + "/blobs/uploads/", null, Map.of());
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    assertThat(r.header("Location")).startsWith("/v2/" + repo + "/blobs/uploads/");
    assertThat(r.header("Docker-Upload-UUID")).isNotBlank();
    assertThat(r.header("Range")).isEqualTo("0-0");
    return r.header("Location");
  }

  static String withDigest(String location, Digest d) {
    return location + (location.contains("?") ? "&" : "?") + "digest=" + d;
  }

  static void assertBlob(String repo, byte[] content) {
    Digest d = Digest.sha256(content);
    Response get = oci.get("/v2/" + repo + "/blobs/" + d);
    assertThat(get.status()).as(get.toString()).isEqualTo(200);
    assertThat(get.body()).isEqualTo(content);
    assertThat(get.header("Docker-Content-Digest")).isEqualTo(d.toString());
    assertThat(get.header("Content-Length")).isEqualTo(Integer.toString(content.length));
    Response head = oci.head("/v2/" + repo + "/blobs/" + d);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.header("Content-Length")).isEqualTo(Integer.toString(content.length));
    assertThat(head.header("Docker-Content-Digest")).isEqualTo(d.toString());
  }

  @Test
  void pingAnswers200WithTheApiVersionHeader() {
    for (String p : List.of("/v2/", "/v2")) {
      Response r = oci.get(p);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Docker-Distribution-API-Version")).isEqualTo("registry/2.0");
    }
  }

  @Nested
  class Push {
    @Test
    void monolithicPostWithDigest() {
      byte[] blob = OciImages.random(5000, 1);
      Digest d = Digest.sha256(blob);
      Response r =
          oci.send(
              "POST",
              "/v2/push/mono/blobs/uploads/?digest=" + d,
              blob,
              headers("Content-Type", "application/octet-stream"));
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(r.header("Location")).isEqualTo("/v2/push/mono/blobs/" + d);
      assertThat(r.header("Docker-Content-Digest")).isEqualTo(d.toString());
      assertBlob("push/mono", blob);
    }

    @Test
    void postThenPutWithTheBody() {
      byte[] blob = OciImages.random(7000, 2);
      Digest d = Digest.sha256(blob);
      String loc = upload("push/postput");
      Response put =
          oci.send(
              "PUT", withDigest(loc, d), blob, headers("Content-Type", "application/octet-stream"));
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      assertThat(put.header("Location")).isEqualTo("/v2/push/postput/blobs/" + d);
      assertThat(put.header("Docker-Content-Digest")).isEqualTo(d.toString());
      assertBlob("push/postput", blob);
      assertThat(oci.get(loc).status()).as("the session is gone").isEqualTo(404);
    }

    @Test
    void streamedPatchWithoutContentRangeThenPut() {
      byte[] blob = OciImages.random(300_000, 3);
      Digest d = Digest.sha256(blob);
      String loc = upload("push/streamed");
      Response patch =
          oci.sendStreamed("PATCH", loc, blob, headers("Content-Type", "application/octet-stream"));
      assertThat(patch.status()).as(patch.toString()).isEqualTo(202);
      assertThat(patch.header("Location")).isNotBlank();
      assertThat(patch.header("Range")).isEqualTo("0-" + (blob.length - 1));
      Response put = oci.send("PUT", withDigest(patch.header("Location"), d), null, Map.of());
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      assertThat(put.header("Location")).isEqualTo("/v2/push/streamed/blobs/" + d);
      assertBlob("push/streamed", blob);
    }

    @Test
    void chunkedPatchesWithStatusAndLastChunkInThePut() {
      byte[] blob = OciImages.random(30_000, 4);
      byte[] c1 = Arrays.copyOfRange(blob, 0, 10_000);
      byte[] c2 = Arrays.copyOfRange(blob, 10_000, 20_000);
      byte[] c3 = Arrays.copyOfRange(blob, 20_000, 30_000);
      Digest d = Digest.sha256(blob);
      String loc = upload("push/chunked");

      Response outOfOrder = oci.send("PATCH", loc, c2, headers("Content-Range", "10000-19999"));
      assertError(outOfOrder, 416, "BLOB_UPLOAD_INVALID");

      Response p1 = oci.send("PATCH", loc, c1, headers("Content-Range", "0-9999"));
      assertThat(p1.status()).as(p1.toString()).isEqualTo(202);
      assertThat(p1.header("Range")).isEqualTo("0-9999");
      loc = p1.header("Location");

      Response status = oci.get(loc);
      assertThat(status.status()).isEqualTo(204);
      assertThat(status.header("Location")).isEqualTo(loc);
      assertThat(status.header("Range")).isEqualTo("0-9999");
      assertThat(status.header("Docker-Upload-UUID")).isNotBlank();

      Response repeated = oci.send("PATCH", loc, c1, headers("Content-Range", "0-9999"));
      assertError(repeated, 416, "BLOB_UPLOAD_INVALID");
      assertThat(repeated.header("Range")).as("416 tells where to resume").isEqualTo("0-9999");

      Response p2 = oci.send("PATCH", loc, c2, headers("Content-Range", "10000-19999"));
      assertThat(p2.status()).as(p2.toString()).isEqualTo(202);
      assertThat(p2.header("Range")).isEqualTo("0-19999");

      Response put =
          oci.send(
              "PUT",
              withDigest(p2.header("Location"), d),
              c3,
              headers("Content-Range", "20000-29999", "Content-Type", "application/octet-stream"));
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      assertThat(put.header("Location")).isEqualTo("/v2/push/chunked/blobs/" + d);
      assertThat(put.header("Docker-Content-Digest")).isEqualTo(d.toString());
      assertBlob("push/chunked", blob);
    }

    @Test
    void deleteOnAnUploadCancelsIt() {
      String loc = upload("push/cancel");
      assertThat(oci.send("PATCH", loc, new byte[100], Map.of()).status()).isEqualTo(202);
      Response del = oci.delete(loc);
      assertThat(del.status()).isEqualTo(204);
      assertError(oci.get(loc), 404, "BLOB_UPLOAD_UNKNOWN");
      assertError(oci.send("PATCH", loc, new byte[1], Map.of()), 404, "BLOB_UPLOAD_UNKNOWN");
    }

    @Test
    void aWrongDigestIs400DigestInvalidInEveryMode() {
      byte[] blob = OciImages.random(4000, 5);
      Digest wrong = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
      Digest actual = Digest.sha256(blob);
      String repo = "push/wrongdigest";

      assertError(
          oci.send("POST", "/v2/" + repo + "/blobs/uploads/?digest=" + wrong, blob, Map.of()),
          400,
          "DIGEST_INVALID");

      String loc = upload(repo);
      assertError(oci.send("PUT", withDigest(loc, wrong), blob, Map.of()), 400, "DIGEST_INVALID");

      loc = upload(repo);
      Response p = oci.sendStreamed("PATCH", loc, blob, Map.of());
      assertThat(p.status()).isEqualTo(202);
      assertError(
          oci.send("PUT", withDigest(p.header("Location"), wrong), null, Map.of()),
          400,
          "DIGEST_INVALID");
      assertError(oci.get(p.header("Location")), 404, "BLOB_UPLOAD_UNKNOWN");

      loc = upload(repo);
      p = oci.send("PATCH", loc, Arrays.copyOf(blob, 1000), headers("Content-Range", "0-999"));
      assertThat(p.status()).isEqualTo(202);
      assertError(
          oci.send(
              "PUT",
              withDigest(p.header("Location"), wrong),
              Arrays.copyOfRange(blob, 1000, blob.length),
              headers("Content-Range", "1000-" + (blob.length - 1))),
          400,
          "DIGEST_INVALID");

      assertError(oci.get("/v2/" + repo + "/blobs/" + actual), 404, "BLOB_UNKNOWN");
      assertThat(node.blobStore().stat(wrong)).isEmpty();
      assertThat(node.blobStore().stat(actual)).as("nothing stored for a mismatch").isEmpty();
    }

    @Test
    void sha512DigestsAreSupported() {
      byte[] blob = OciImages.random(2000, 6);
      Digest d = Digest.compute(Digest.Algorithm.SHA512, blob);
      Response r = oci.send("POST", "/v2/push/sha512/blobs/uploads/?digest=" + d, blob, Map.of());
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      Response get = oci.get("/v2/push/sha512/blobs/" + d);
      assertThat(get.status()).isEqualTo(200);
      assertThat(get.body()).isEqualTo(blob);
      assertThat(get.header("Docker-Content-Digest")).isEqualTo(d.toString());
    }
  }

  @Nested
  class Pull {
    @Test
    void missingBlobAndManifestAre404() {
      Digest d = Digest.sha256("nope".getBytes(StandardCharsets.UTF_8));
      assertError(oci.get("/v2/pull/none/blobs/" + d), 404, "BLOB_UNKNOWN");
      assertThat(oci.head("/v2/pull/none/blobs/" + d).status()).isEqualTo(404);
      assertError(oci.get("/v2/pull/none/manifests/latest"), 404, "MANIFEST_UNKNOWN");
      assertError(oci.get("/v2/pull/none/manifests/" + d), 404, "MANIFEST_UNKNOWN");
      assertThat(oci.head("/v2/pull/none/manifests/latest").status()).isEqualTo(404);
    }

    @Test
    void rangeRequests() {
      byte[] blob = OciImages.random(3000, 7);
      Digest d = oci.pushBlob("pull/range", blob);
      String url = "/v2/pull/range/blobs/" + d;

      Response r = oci.get(url, headers("Range", "bytes=500-1499"));
      assertThat(r.status()).isEqualTo(206);
      assertThat(r.header("Content-Range")).isEqualTo("bytes 500-1499/3000");
      assertThat(r.header("Content-Length")).isEqualTo("1000");
      assertThat(r.body()).isEqualTo(Arrays.copyOfRange(blob, 500, 1500));

      r = oci.get(url, headers("Range", "bytes=500-"));
      assertThat(r.status()).isEqualTo(206);
      assertThat(r.header("Content-Range")).isEqualTo("bytes 500-2999/3000");
      assertThat(r.body()).isEqualTo(Arrays.copyOfRange(blob, 500, 3000));

      r = oci.get(url, headers("Range", "bytes=-500"));
      assertThat(r.status()).isEqualTo(206);
      assertThat(r.header("Content-Range")).isEqualTo("bytes 2500-2999/3000");
      assertThat(r.body()).isEqualTo(Arrays.copyOfRange(blob, 2500, 3000));

      r = oci.get(url, headers("Range", "bytes=2000-99999"));
      assertThat(r.status()).as("end clamped").isEqualTo(206);
      assertThat(r.header("Content-Range")).isEqualTo("bytes 2000-2999/3000");

      r = oci.get(url, headers("Range", "bytes=500-0"));
      assertThat(r.status()).isEqualTo(416);
      assertThat(r.header("Content-Range")).isEqualTo("bytes */3000");
      r = oci.get(url, headers("Range", "bytes=3000-"));
      assertThat(r.status()).isEqualTo(416);
      r = oci.get(url, headers("Range", "bytes=5000-6000"));
      assertThat(r.status()).isEqualTo(416);

      Response head = oci.send("HEAD", url, null, headers("Range", "bytes=0-9"));
      assertThat(head.status()).isEqualTo(206);
      assertThat(head.header("Content-Length")).isEqualTo("10");
    }

    @Test
    void largeBlobsAreServedWholeAndByRangeFromDisk() {
      byte[] blob = OciImages.random(3 << 20, 8);
      Digest d = oci.pushBlob("pull/large", blob);
      Response r = oci.get("/v2/pull/large/blobs/" + d);
      assertThat(r.status()).isEqualTo(200);
      assertThat(Digest.sha256(r.body())).isEqualTo(d);
      r = oci.get("/v2/pull/large/blobs/" + d, headers("Range", "bytes=1048576-2097151"));
      assertThat(r.status()).isEqualTo(206);
      assertThat(r.body()).isEqualTo(Arrays.copyOfRange(blob, 1 << 20, 2 << 20));
    }
  }

  @Nested
  class Mount {
    @Test
    void mountWithReadRightsIs201() {
      byte[] blob = OciImages.random(1234, 9);
      Digest d = oci.pushBlob("mount/src", blob);
      Response r =
          oci.send(
              "POST",
              "/v2/mount/dst/blobs/uploads/?mount=" + d + "&from=mount/src",
              null,
              Map.of());
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(r.header("Location")).isEqualTo("/v2/mount/dst/blobs/" + d);
      assertThat(r.header("Docker-Content-Digest")).isEqualTo(d.toString());
      assertBlob("mount/dst", blob);
    }

    @Test
    void mountWithoutReadRightsOnFromOpensASession() {
      byte[] blob = OciImages.random(1234, 10);
      Digest d = oci.pushBlob("secret/src", blob);
      Response r =
          oci.send(
              "POST",
              "/v2/mount/thief/blobs/uploads/?mount=" + d + "&from=secret/src",
              null,
              Map.of());
      assertThat(r.status()).as(r.toString()).isEqualTo(202);
      assertThat(r.header("Location")).startsWith("/v2/mount/thief/blobs/uploads/");
      assertError(oci.get("/v2/mount/thief/blobs/" + d), 404, "BLOB_UNKNOWN");
    }

    @Test
    void mountFromARepositoryWithoutTheBlobOpensASession() {
      byte[] blob = OciImages.random(1234, 11);
      Digest d = oci.pushBlob("mount/owner", blob);
      Response r =
          oci.send(
              "POST",
              "/v2/mount/other/blobs/uploads/?mount=" + d + "&from=mount/unrelated",
              null,
              Map.of());
      assertThat(r.status()).isEqualTo(202);
      Digest missing = Digest.sha256("never pushed".getBytes(StandardCharsets.UTF_8));
      r =
          oci.send(
              "POST",
              "/v2/mount/other/blobs/uploads/?mount=" + missing + "&from=mount/owner",
              null,
              Map.of());
      assertThat(r.status()).isEqualTo(202);
      r = oci.send("POST", "/v2/mount/other/blobs/uploads/?mount=" + d, null, Map.of());
      assertThat(r.status()).as("no from: a new session").isEqualTo(202);
    }
  }

  @Nested
  class Manifests {
    Image pushImage(String repo, boolean docker, String arch, long seed) {
      Image img = OciImages.image(docker, arch, 2, 2000, seed);
      for (Blob b : img.blobs()) {
        oci.pushBlob(repo, b.bytes());
      }
      return img;
    }

    @Test
    void putByTagAndByDigestThenGetAndHead() {
      String repo = "man/basic";
      Image img = pushImage(repo, false, "amd64", 20);
      Blob m = img.manifest();
      Response put = oci.putManifest(repo, "v1", m.mediaType(), m.bytes());
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      assertThat(put.header("Location")).isEqualTo("/v2/" + repo + "/manifests/" + m.digest());
      assertThat(put.header("Docker-Content-Digest")).isEqualTo(m.digest().toString());
      assertThat(put.header("OCI-Subject")).isNull();

      for (String ref : List.of("v1", m.digest().toString())) {
        Response get =
            oci.get("/v2/" + repo + "/manifests/" + ref, headers("Accept", OciImages.OCI_MANIFEST));
        assertThat(get.status()).isEqualTo(200);
        assertThat(get.body()).as("the exact bytes").isEqualTo(m.bytes());
        assertThat(get.header("Content-Type")).isEqualTo(OciImages.OCI_MANIFEST);
        assertThat(get.header("Docker-Content-Digest")).isEqualTo(m.digest().toString());
        Response head = oci.head("/v2/" + repo + "/manifests/" + ref);
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.header("Content-Length")).isEqualTo(Long.toString(m.size()));
        assertThat(head.header("Docker-Content-Digest")).isEqualTo(m.digest().toString());
      }
      Response byDigest = oci.putManifest(repo, m.digest().toString(), m.mediaType(), m.bytes());
      assertThat(byDigest.status()).isEqualTo(201);
      Response wrongDigest =
          oci.putManifest(
              repo,
              Digest.sha256("x".getBytes(StandardCharsets.UTF_8)).toString(),
              m.mediaType(),
              m.bytes());
      assertError(wrongDigest, 400, "DIGEST_INVALID");
      assertThat(oci.get("/v2/" + repo + "/blobs/" + m.digest()).body())
          .as("manifest bytes are a blob of the repository")
          .isEqualTo(m.bytes());
    }

    @Test
    void dockerSchema2ManifestAndManifestListWithTwoPlatforms() {
      String repo = "man/docker";
      Image amd = pushImage(repo, true, "amd64", 21);
      Image arm = pushImage(repo, true, "arm64", 22);
      assertThat(
              oci.putManifest(
                      repo,
                      amd.manifest().digest().toString(),
                      OciImages.DOCKER_MANIFEST,
                      amd.manifest().bytes())
                  .status())
          .isEqualTo(201);
      assertThat(
              oci.putManifest(
                      repo,
                      arm.manifest().digest().toString(),
                      OciImages.DOCKER_MANIFEST,
                      arm.manifest().bytes())
                  .status())
          .isEqualTo(201);
      Blob list = OciImages.index(true, List.of(amd, arm), List.of("amd64", "arm64"));
      Response put = oci.putManifest(repo, "multi", OciImages.DOCKER_LIST, list.bytes());
      assertThat(put.status()).as(put.toString()).isEqualTo(201);
      Response get = oci.get("/v2/" + repo + "/manifests/multi");
      assertThat(get.header("Content-Type")).isEqualTo(OciImages.DOCKER_LIST);
      assertThat(get.body()).isEqualTo(list.bytes());
      Response child = oci.get("/v2/" + repo + "/manifests/" + arm.manifest().digest());
      assertThat(child.header("Content-Type")).isEqualTo(OciImages.DOCKER_MANIFEST);
    }

    @Test
    void ociIndexWithTwoPlatforms() {
      String repo = "man/ociindex";
      Image amd = pushImage(repo, false, "amd64", 23);
      Image arm = pushImage(repo, false, "arm64", 24);
      for (Image i : List.of(amd, arm)) {
        assertThat(
                oci.putManifest(
                        repo,
                        i.manifest().digest().toString(),
                        OciImages.OCI_MANIFEST,
                        i.manifest().bytes())
                    .status())
            .isEqualTo(201);
      }
      Blob index = OciImages.index(false, List.of(amd, arm), List.of("amd64", "arm64"));
      assertThat(oci.putManifest(repo, "multi", OciImages.OCI_INDEX, index.bytes()).status())
          .isEqualTo(201);
      assertThat(oci.get("/v2/" + repo + "/manifests/multi").header("Content-Type"))
          .isEqualTo(OciImages.OCI_INDEX);
    }

    @Test
    void indexChildrenMustBeManifestsOfTheRepository() {
      String repo = "man/orphanindex";
      Image amd = pushImage(repo, false, "amd64", 25);
      Blob index = OciImages.index(false, List.of(amd), List.of("amd64"));
      assertError(
          oci.putManifest(repo, "multi", OciImages.OCI_INDEX, index.bytes()),
          400,
          "MANIFEST_BLOB_UNKNOWN");
    }

    @Test
    void manifestsNamingMissingOrUnlinkedBlobsAreRefused() {
      Image img = OciImages.image(false, "amd64", 2, 1000, 26);
      oci.pushBlob("man/missing", img.config().bytes());
      Response r =
          oci.putManifest("man/missing", "v1", OciImages.OCI_MANIFEST, img.manifest().bytes());
      assertError(r, 400, "MANIFEST_BLOB_UNKNOWN");
      assertThat(r.json().at("/errors/0/detail/digest").asText())
          .isEqualTo(img.layers().get(0).digest().toString());

      for (Blob b : img.layers()) {
        oci.pushBlob("man/elsewhere", b.bytes());
      }
      r = oci.putManifest("man/missing", "v1", OciImages.OCI_MANIFEST, img.manifest().bytes());
      assertError(r, 400, "MANIFEST_BLOB_UNKNOWN");
      assertError(oci.get("/v2/man/missing/manifests/v1"), 404, "MANIFEST_UNKNOWN");
    }

    @Test
    void mediaTypeMustAgreeWithContentTypeAndHybridsAreRefused() {
      String repo = "man/strict";
      Image img = pushImage(repo, false, "amd64", 27);
      assertError(
          oci.putManifest(repo, "v1", OciImages.DOCKER_MANIFEST, img.manifest().bytes()),
          400,
          "MANIFEST_INVALID");

      Map<String, Object> hybrid = new LinkedHashMap<>();
      hybrid.put("schemaVersion", 2);
      hybrid.put("mediaType", OciImages.OCI_MANIFEST);
      hybrid.put("config", img.config().descriptor());
      hybrid.put("layers", img.layers().stream().map(Blob::descriptor).toList());
      hybrid.put("manifests", List.of(img.manifest().descriptor()));
      assertError(
          oci.putManifest(repo, "hybrid", OciImages.OCI_MANIFEST, OciImages.json(hybrid)),
          400,
          "MANIFEST_INVALID");
      Map<String, Object> index = new LinkedHashMap<>();
      index.put("schemaVersion", 2);
      index.put("mediaType", OciImages.OCI_INDEX);
      index.put("manifests", List.of());
      index.put("layers", img.layers().stream().map(Blob::descriptor).toList());
      assertError(
          oci.putManifest(repo, "hybrid", OciImages.OCI_INDEX, OciImages.json(index)),
          400,
          "MANIFEST_INVALID");

      assertError(
          oci.putManifest(repo, "bad", OciImages.OCI_MANIFEST, "{\"schemaVersion\":2,".getBytes()),
          400,
          "MANIFEST_INVALID");
      assertError(
          oci.putManifest(
              repo,
              "dup",
              OciImages.OCI_MANIFEST,
              "{\"schemaVersion\":2,\"schemaVersion\":2}".getBytes()),
          400,
          "MANIFEST_INVALID");
    }

    @Test
    void aMissingSubjectIsAcceptedWithTheOciSubjectHeader() {
      String repo = "man/subject";
      Image img = pushImage(repo, false, "amd64", 28);
      Digest absent = Digest.sha256("not pushed yet".getBytes(StandardCharsets.UTF_8));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("schemaVersion", 2);
      m.put("mediaType", OciImages.OCI_MANIFEST);
      m.put("artifactType", "application/vnd.example.sbom");
      m.put("config", img.config().descriptor());
      m.put("layers", img.layers().stream().map(Blob::descriptor).toList());
      m.put(
          "subject",
          Map.of("mediaType", OciImages.OCI_MANIFEST, "digest", absent.toString(), "size", 123));
      byte[] bytes = OciImages.json(m);
      Response r =
          oci.putManifest(repo, Digest.sha256(bytes).toString(), OciImages.OCI_MANIFEST, bytes);
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(r.header("OCI-Subject")).isEqualTo(absent.toString());
      JsonNode refs = oci.get("/v2/" + repo + "/referrers/" + absent).json();
      assertThat(refs.get("manifests")).hasSize(1);
    }

    @Test
    void manifestsOfFourMibAreAcceptedAndLargerOnesAre413() {
      String repo = "man/big";
      Image img = pushImage(repo, false, "amd64", 29);
      long limit = node.config().oci().maxManifestBytes();
      assertThat(limit).isGreaterThanOrEqualTo(4L << 20);
      byte[] exact = padded(img, (int) limit);
      assertThat(exact.length).isEqualTo((int) limit);
      Response ok = oci.putManifest(repo, "big", OciImages.OCI_MANIFEST, exact);
      assertThat(ok.status()).as(ok.toString()).isEqualTo(201);
      assertThat(oci.get("/v2/" + repo + "/manifests/big").body()).isEqualTo(exact);

      byte[] over = padded(img, (int) limit + 1);
      Response tooBig = oci.putManifest(repo, "bigger", OciImages.OCI_MANIFEST, over);
      assertThat(tooBig.status()).isEqualTo(413);
      assertThat(tooBig.json().at("/errors/0/code").asText()).isEqualTo("MANIFEST_INVALID");
      Response streamedTooBig =
          oci.sendStreamed(
              "PUT",
              "/v2/" + repo + "/manifests/bigger",
              over,
              headers("Content-Type", OciImages.OCI_MANIFEST));
      assertThat(streamedTooBig.status()).isEqualTo(413);
      assertError(oci.get("/v2/" + repo + "/manifests/bigger"), 404, "MANIFEST_UNKNOWN");
    }

    private byte[] padded(Image img, int size) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("schemaVersion", 2);
      m.put("mediaType", OciImages.OCI_MANIFEST);
      m.put("config", img.config().descriptor());
      m.put("layers", img.layers().stream().map(Blob::descriptor).toList());
      m.put("annotations", Map.of("pad", ""));
      int base = OciImages.json(m).length;
      m.put("annotations", Map.of("pad", "x".repeat(size - base)));
      return OciImages.json(m);
    }
  }

  @Nested
  class Lists {
    void tag(String repo, Blob manifest, String tag) {
      Response r = oci.putManifest(repo, tag, manifest.mediaType(), manifest.bytes());
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
    }

    Image image(String repo, long seed) {
      Image img = OciImages.image(false, "amd64", 1, 100, seed);
      for (Blob b : img.blobs()) {
        oci.pushBlob(repo, b.bytes());
      }
      return img;
    }

    @Test
    void tagsAreByteOrderSortedAndPaginated() {
      String repo = "lists/tags";
      Image img = image(repo, 40);
      List<String> tags = List.of("latest", "B", "a", "_x", "v1.0", "v1.0.1", "A", "1");
      for (String t : tags) {
        tag(repo, img.manifest(), t);
      }
      List<String> sorted = new ArrayList<>(tags);
      sorted.sort(String::compareTo);

      Response all = oci.get("/v2/" + repo + "/tags/list");
      assertThat(all.status()).isEqualTo(200);
      assertThat(all.json().get("name").asText()).isEqualTo(repo);
      assertThat(texts(all.json().get("tags"))).containsExactlyElementsOf(sorted);
      assertThat(all.header("Link")).isNull();

      Response p1 = oci.get("/v2/" + repo + "/tags/list?n=3");
      assertThat(texts(p1.json().get("tags"))).containsExactlyElementsOf(sorted.subList(0, 3));
      assertThat(p1.header("Link"))
          .isEqualTo("</v2/" + repo + "/tags/list?n=3&last=" + sorted.get(2) + ">; rel=\"next\"");
      String next = p1.header("Link").substring(1, p1.header("Link").indexOf('>'));
      Response p2 = oci.get(next);
      assertThat(texts(p2.json().get("tags"))).containsExactlyElementsOf(sorted.subList(3, 6));
      Response p3 = oci.get(p2.header("Link").substring(1, p2.header("Link").indexOf('>')));
      assertThat(texts(p3.json().get("tags"))).containsExactlyElementsOf(sorted.subList(6, 8));
      assertThat(p3.header("Link")).as("no more").isNull();

      Response exact = oci.get("/v2/" + repo + "/tags/list?n=8");
      assertThat(texts(exact.json().get("tags"))).hasSize(8);
      assertThat(exact.header("Link")).isNull();

      Response lastOnly = oci.get("/v2/" + repo + "/tags/list?last=latest");
      assertThat(texts(lastOnly.json().get("tags")))
          .as("last is exclusive")
          .containsExactlyElementsOf(sorted.subList(sorted.indexOf("latest") + 1, 8));

      Response zero = oci.get("/v2/" + repo + "/tags/list?n=0");
      assertThat(zero.status()).isEqualTo(200);
      assertThat(zero.json().get("tags")).isEmpty();
      assertThat(zero.header("Link")).isNull();

      assertError(oci.get("/v2/" + repo + "/tags/list?n=-1"), 400, "UNSUPPORTED");
      assertError(oci.get("/v2/" + repo + "/tags/list?n=abc"), 400, "UNSUPPORTED");
      assertError(oci.get("/v2/lists/nothing/tags/list"), 404, "NAME_UNKNOWN");
    }

    @Test
    void aHugeNIsClamped() throws Exception {
      String repo = "lists/clamp";
      Image img = image(repo, 41);
      int count = OciRegistryService.MAX_PAGE + 5;
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> f = new ArrayList<>();
        for (int i = 0; i < count; i++) {
          String t = String.format("t%05d", i);
          f.add(pool.submit(() -> tag(repo, img.manifest(), t)));
        }
        for (Future<?> x : f) {
          x.get();
        }
      } finally {
        pool.shutdown();
      }
      Response r = oci.get("/v2/" + repo + "/tags/list?n=2000000000");
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.json().get("tags")).hasSize(OciRegistryService.MAX_PAGE);
      assertThat(r.header("Link")).contains("last=t00999");
      Response rest = oci.get(r.header("Link").substring(1, r.header("Link").indexOf('>')));
      assertThat(rest.json().get("tags")).hasSize(5);
    }

    @Test
    void catalogIsSortedPaginatedAndHidesUnreadableRepositories() {
      List<String> repos = List.of("cat/b", "cat/a", "cat/a-b", "cat/a/b", "secret/cat");
      for (String r : repos) {
        tag(r, image(r, 42).manifest(), "v1");
      }
      Response all = oci.get("/v2/_catalog");
      assertThat(all.status()).isEqualTo(200);
      List<String> names = texts(all.json().get("repositories"));
      assertThat(names).isSorted();
      assertThat(names).contains("cat/a", "cat/a-b", "cat/a/b", "cat/b");
      assertThat(names).doesNotContain("secret/cat");
      int i = names.indexOf("cat/a");
      assertThat(names.subList(i, i + 4)).containsExactly("cat/a", "cat/a-b", "cat/a/b", "cat/b");

      Response p1 = oci.get("/v2/_catalog?n=2&last=cat/a");
      assertThat(texts(p1.json().get("repositories"))).containsExactly("cat/a-b", "cat/a/b");
      assertThat(p1.header("Link")).startsWith("</v2/_catalog?n=2&last=cat%2Fa%2Fb>");
      Response zero = oci.get("/v2/_catalog?n=0");
      assertThat(zero.json().get("repositories")).isEmpty();
    }

    @Test
    void referrersWithAndWithoutFilter() {
      String repo = "lists/referrers";
      Image subject = image(repo, 43);
      tag(repo, subject.manifest(), "v1");
      Digest s = subject.manifest().digest();
      Blob sbom = referrer(repo, subject, "application/vnd.example.sbom", null, 44);
      Blob sig = referrer(repo, subject, null, "application/vnd.example.signature.config", 45);

      Response all = oci.get("/v2/" + repo + "/referrers/" + s);
      assertThat(all.status()).isEqualTo(200);
      assertThat(all.header("Content-Type")).isEqualTo(OciImages.OCI_INDEX);
      assertThat(all.header("OCI-Filters-Applied")).isNull();
      JsonNode idx = all.json();
      assertThat(idx.get("schemaVersion").asInt()).isEqualTo(2);
      assertThat(idx.get("mediaType").asText()).isEqualTo(OciImages.OCI_INDEX);
      assertThat(idx.get("manifests")).hasSize(2);
      Map<String, JsonNode> byDigest = new LinkedHashMap<>();
      idx.get("manifests").forEach(m -> byDigest.put(m.get("digest").asText(), m));
      JsonNode sbomDesc = byDigest.get(sbom.digest().toString());
      assertThat(sbomDesc.get("artifactType").asText()).isEqualTo("application/vnd.example.sbom");
      assertThat(sbomDesc.get("mediaType").asText()).isEqualTo(OciImages.OCI_MANIFEST);
      assertThat(sbomDesc.get("size").asLong()).isEqualTo(sbom.size());
      assertThat(sbomDesc.at("/annotations/org.example.seed").asText()).isEqualTo("44");
      assertThat(byDigest.get(sig.digest().toString()).get("artifactType").asText())
          .as("falls back to the config media type")
          .isEqualTo("application/vnd.example.signature.config");

      Response filtered =
          oci.get("/v2/" + repo + "/referrers/" + s + "?artifactType=application/vnd.example.sbom");
      assertThat(filtered.status()).isEqualTo(200);
      assertThat(filtered.header("OCI-Filters-Applied")).isEqualTo("artifactType");
      assertThat(filtered.json().get("manifests")).hasSize(1);
      assertThat(filtered.json().at("/manifests/0/digest").asText())
          .isEqualTo(sbom.digest().toString());

      Digest unknown = Digest.sha256("unknown subject".getBytes(StandardCharsets.UTF_8));
      Response none = oci.get("/v2/" + repo + "/referrers/" + unknown);
      assertThat(none.status()).isEqualTo(200);
      assertThat(none.json().get("manifests")).isEmpty();
      assertError(oci.get("/v2/" + repo + "/referrers/sha256:nothex"), 400, "DIGEST_INVALID");

      assertThat(oci.delete("/v2/" + repo + "/manifests/" + sig.digest()).status()).isEqualTo(202);
      assertThat(oci.get("/v2/" + repo + "/referrers/" + s).json().get("manifests")).hasSize(1);
    }

    Blob referrer(String repo, Image subject, String artifactType, String configType, long seed) {
      Blob config =
          new Blob(
              configType == null ? "application/vnd.oci.empty.v1+json" : configType,
              "{}".getBytes(StandardCharsets.UTF_8));
      oci.pushBlob(repo, config.bytes());
      Blob layer = new Blob("application/octet-stream", OciImages.random(64, seed));
      oci.pushBlob(repo, layer.bytes());
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("schemaVersion", 2);
      m.put("mediaType", OciImages.OCI_MANIFEST);
      if (artifactType != null) {
        m.put("artifactType", artifactType);
      }
      m.put("config", config.descriptor());
      m.put("layers", List.of(layer.descriptor()));
      m.put("subject", subject.manifest().descriptor());
      m.put("annotations", Map.of("org.example.seed", Long.toString(seed)));
      Blob b = new Blob(OciImages.OCI_MANIFEST, OciImages.json(m));
      Response r = oci.putManifest(repo, b.digest().toString(), b.mediaType(), b.bytes());
      assertThat(r.status()).as(r.toString()).isEqualTo(201);
      assertThat(r.header("OCI-Subject")).isEqualTo(subject.manifest().digest().toString());
      return b;
    }

    List<String> texts(JsonNode array) {
      List<String> out = new ArrayList<>();
      array.forEach(n -> out.add(n.asText()));
      return out;
    }
  }

  @Nested
  class Deletes {
    @Test
    void tagManifestAndBlobDeletes() {
      String repo = "del/repo";
      Image img = OciImages.image(false, "amd64", 1, 500, 50);
      for (Blob b : img.blobs()) {
        oci.pushBlob(repo, b.bytes());
        oci.pushBlob("del/other", b.bytes());
      }
      Blob m = img.manifest();
      assertThat(oci.putManifest(repo, "one", m.mediaType(), m.bytes()).status()).isEqualTo(201);
      assertThat(oci.putManifest(repo, "two", m.mediaType(), m.bytes()).status()).isEqualTo(201);

      assertThat(oci.delete("/v2/" + repo + "/manifests/one").status()).isEqualTo(202);
      assertThat(oci.head("/v2/" + repo + "/manifests/one").status()).isEqualTo(404);
      assertThat(oci.head("/v2/" + repo + "/manifests/two").status()).isEqualTo(200);
      assertError(oci.delete("/v2/" + repo + "/manifests/one"), 404, "MANIFEST_UNKNOWN");

      assertThat(oci.delete("/v2/" + repo + "/manifests/" + m.digest()).status()).isEqualTo(202);
      assertThat(oci.head("/v2/" + repo + "/manifests/" + m.digest()).status()).isEqualTo(404);
      assertThat(oci.head("/v2/" + repo + "/manifests/two").status())
          .as("tags of a deleted manifest go with it")
          .isEqualTo(404);
      assertThat(texts(oci.get("/v2/" + repo + "/tags/list").json().get("tags"))).isEmpty();

      Digest layer = img.layers().get(0).digest();
      Response del = oci.delete("/v2/" + repo + "/blobs/" + layer);
      assertThat(del.status()).isEqualTo(202);
      assertThat(oci.head("/v2/" + repo + "/blobs/" + layer).status()).isEqualTo(404);
      assertError(oci.get("/v2/" + repo + "/blobs/" + layer), 404, "BLOB_UNKNOWN");
      assertError(oci.delete("/v2/" + repo + "/blobs/" + layer), 404, "BLOB_UNKNOWN");
      assertThat(oci.head("/v2/del/other/blobs/" + layer).status())
          .as("other repositories keep their link")
          .isEqualTo(200);
      assertThat(node.blobStore().stat(layer)).as("the blob itself stays until GC").isPresent();
    }

    List<String> texts(JsonNode array) {
      List<String> out = new ArrayList<>();
      array.forEach(n -> out.add(n.asText()));
      return out;
    }
  }

  @Nested
  class Errors {
    @Test
    void errorBodiesHaveTheSpecShapeAndCodes() {
      assertError(oci.get("/v2/UPPER/tags/list"), 400, "NAME_INVALID");
      assertError(oci.get("/v2/ok/manifests/-bad"), 400, "MANIFEST_INVALID");
      assertError(oci.get("/v2/ok/blobs/sha256:123"), 400, "DIGEST_INVALID");
      assertError(
          oci.putManifest("ok", "sha256:totallywrong", OciImages.OCI_MANIFEST, "{}".getBytes()),
          400,
          "DIGEST_INVALID");
      assertError(oci.get("/v2/ok/blobs/uploads/unknown-id"), 404, "BLOB_UPLOAD_UNKNOWN");
      assertError(oci.send("POST", "/v2/ok/tags/list", null, Map.of()), 405, "UNSUPPORTED");
      assertError(oci.get("/v2/ok/whatever"), 404, "UNSUPPORTED");
    }

    @Test
    void deniedAndUnauthorized() {
      Response w = oci.send("POST", "/v2/readonly/app/blobs/uploads/", null, Map.of());
      assertError(w, 403, "DENIED");
      assertThat(oci.get("/v2/readonly/app/tags/list").status()).as("reads allowed").isEqualTo(404);
      Response a = oci.get("/v2/auth/app/manifests/latest");
      assertError(a, 401, "UNAUTHORIZED");
      assertThat(a.header("WWW-Authenticate")).isNotBlank();
      assertError(oci.get("/v2/secret/app/manifests/latest"), 403, "DENIED");
    }
  }
}
