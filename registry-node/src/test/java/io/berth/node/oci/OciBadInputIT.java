package io.berth.node.oci;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.storage.StoredBlob;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Malformed names, tags, digests and paths, lying lengths, oversized and broken manifests, and
 * upload ids used under another repository: each gets the spec's error (JSON body, right code),
 * never a 500, and leaves no stored partial blob, no temporary file and no stray upload file.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciBadInputIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static NodeAssembly node;
  static OciClient oci;
  static Path data;
  Set<Digest> blobsBefore;

  static StorageUnderTest storage;

  /** Storage under test; the default is the embedded file store. */
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    data = tmp.resolve("node");
    storage = storage();
    node = new NodeAssembly(storage.apply(TestNodes.config(data, 2))).start();
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

  @BeforeEach
  void rememberBlobs() {
    blobsBefore = storedBlobs();
  }

  @AfterEach
  void nothingPartialIsLeft() throws IOException {
    assertThat(storage.leftovers(node.rawBlobStore(), data))
        .as("temporary files, objects and incomplete uploads")
        .isEmpty();
    Set<String> sessions = new HashSet<>();
    node.ociIndex().forEachUpload(s -> sessions.add(s.getId()));
    for (Path f : listFiles(data.resolve("oci-uploads"))) {
      assertThat(sessions).as("upload file without a session").contains(f.getFileName().toString());
    }
  }

  static Set<Digest> storedBlobs() {
    Set<Digest> all = new HashSet<>();
    node.blobStore().forEach((StoredBlob b) -> all.add(b.digest()));
    return all;
  }

  void assertNothingStored() {
    assertThat(storedBlobs()).as("blobs stored by a refused request").isEqualTo(blobsBefore);
  }

  static List<Path> listFiles(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  /** A raw request; returns status, content type and the JSON error code. */
  record Raw(int status, String response) {
    String code() {
      try {
        JsonNode n = JSON.readTree(body());
        return n.at("/errors/0/code").asText();
      } catch (IOException e) {
        throw new AssertionError("not a JSON error body: " + response, e);
      }
    }

    String body() {
      return response.substring(response.indexOf("\r\n\r\n") + 4);
    }
  }

  static Raw raw(String method, String path) throws IOException {
    String resp =
        Http.raw(
            node.port(),
            method
                + " "
                + path
                + " HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    return new Raw(Http.status(resp), resp);
  }

  static void assertOciError(Raw r, int status, String code) {
    assertThat(r.status()).as(r.response()).isEqualTo(status);
    assertThat(r.response().toLowerCase()).contains("content-type: application/json");
    assertThat(r.code()).as(r.response()).isEqualTo(code);
  }

  static void assertError(Response r, int status, String code) {
    assertThat(r.status()).as(r.toString()).isEqualTo(status);
    assertThat(r.errorCode()).as(r.toString()).isEqualTo(code);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2/UPPER/tags/list",
        "/v2/a..b/tags/list",
        "/v2/-a/tags/list",
        "/v2/a_/tags/list",
        "/v2/a___b/tags/list",
        "/v2/a%41/tags/list",
        "/v2/a%20b/tags/list",
        "/v2/a:b/manifests/latest",
        "/v2/a@b/blobs/uploads/",
        "/v2/tags/list",
        "/v2/manifests/latest",
      })
  void malformedNamesAreNameInvalid(String path) throws IOException {
    assertOciError(raw("GET", path), 400, "NAME_INVALID");
    assertOciError(raw("POST", path), 400, "NAME_INVALID");
  }

  @Test
  void tooLongNamesAreNameInvalid() throws IOException {
    assertOciError(raw("GET", "/v2/" + "a".repeat(256) + "/tags/list"), 400, "NAME_INVALID");
  }

  @ParameterizedTest
  @ValueSource(strings = {"-x", ".x", "a%20b", "a!b", "a%2Bb"})
  void malformedTagsAreManifestInvalid(String tag) throws IOException {
    assertOciError(raw("GET", "/v2/ok/manifests/" + tag), 400, "MANIFEST_INVALID");
    assertOciError(raw("PUT", "/v2/ok/manifests/" + tag), 400, "MANIFEST_INVALID");
    assertOciError(raw("DELETE", "/v2/ok/manifests/" + tag), 400, "MANIFEST_INVALID");
  }

  @Test
  void tooLongTagsAreManifestInvalid() throws IOException {
    assertOciError(raw("GET", "/v2/ok/manifests/" + "t".repeat(129)), 400, "MANIFEST_INVALID");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "sha256:abc",
        "sha256:ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789",
        "sha512:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "md5:0123456789abcdef0123456789abcdef",
        "sha256:",
        ":abc",
        "sha256:zz23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
      })
  void malformedDigestsAreDigestInvalid(String digest) throws IOException {
    assertOciError(raw("GET", "/v2/ok/blobs/" + digest), 400, "DIGEST_INVALID");
    assertThat(raw("HEAD", "/v2/ok/manifests/" + digest).status()).isEqualTo(400);
    assertOciError(raw("GET", "/v2/ok/manifests/" + digest), 400, "DIGEST_INVALID");
    assertOciError(raw("GET", "/v2/ok/referrers/" + digest), 400, "DIGEST_INVALID");
    assertOciError(raw("POST", "/v2/ok/blobs/uploads/?digest=" + digest), 400, "DIGEST_INVALID");
    assertOciError(
        raw("POST", "/v2/ok/blobs/uploads/?mount=" + digest + "&from=ok"), 400, "DIGEST_INVALID");
    String loc = oci.send("POST", "/v2/ok/blobs/uploads/", null, Map.of()).header("Location");
    assertOciError(raw("PUT", loc + "?digest=" + digest), 400, "DIGEST_INVALID");
    assertThat(oci.get(loc).status()).as("the session survives a malformed digest").isEqualTo(204);
    oci.delete(loc);
    assertNothingStored();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/v2/a/%2e%2e/b/tags/list",
        "/v2/a/%2E%2E/b/manifests/latest",
        "/v2/a/../b/tags/list",
        "/v2/../_catalog",
        "/v2/a/./b/tags/list",
        "/v2/a;b/tags/list",
        "/v2/a/b;x=y/manifests/latest",
        "/v2/a//b/tags/list",
        "/v2//tags/list",
        "/v2/a%2Fb/tags/list",
        "/v2/a%5cb/tags/list",
        "/v2/a%00/tags/list",
        "/v2/a%25/tags/list",
        "/v2/a\\b/tags/list",
        "/v2/ok/manifests/%C3%A9",
      })
  void pathNormalisationTricksGetOciErrors(String path) throws IOException {
    for (String method : List.of("GET", "PUT", "POST", "DELETE")) {
      Raw r = raw(method, path);
      assertOciError(r, 400, "NAME_INVALID");
    }
    assertNothingStored();
  }

  @Test
  void contentLengthDisagreeingWithContentRangeIsSizeInvalid() throws Exception {
    String loc = oci.send("POST", "/v2/bad/size/blobs/uploads/", null, Map.of()).header("Location");
    Response r = oci.send("PATCH", loc, new byte[50], headers("Content-Range", "0-99"));
    assertError(r, 400, "SIZE_INVALID");
    Response chunked =
        oci.sendStreamed("PATCH", loc, new byte[50], headers("Content-Range", "0-99"));
    assertError(chunked, 400, "SIZE_INVALID");
    Response longer =
        oci.sendStreamed("PATCH", loc, new byte[150], headers("Content-Range", "0-99"));
    assertError(longer, 400, "SIZE_INVALID");
    Response status = oci.get(loc);
    assertThat(status.status()).isEqualTo(204);
    assertThat(status.header("Range")).as("refused chunks are not kept").isEqualTo("0-0");
    assertThat(Files.size(data.resolve("oci-uploads").resolve(status.header("Docker-Upload-UUID"))))
        .isZero();

    byte[] ok = OciImages.random(100, 1);
    assertThat(oci.send("PATCH", loc, ok, headers("Content-Range", "0-99")).status())
        .isEqualTo(202);
    Response put =
        oci.send(
            "PUT",
            loc + "?digest=" + Digest.sha256(ok),
            new byte[10],
            headers("Content-Range", "100-119"));
    assertError(put, 400, "SIZE_INVALID");
    oci.delete(loc);
    assertNothingStored();
  }

  @Test
  void aBodyShorterThanItsContentLengthIsSizeInvalidAndStoresNothing() throws Exception {
    byte[] content = OciImages.random(10_000, 2);
    Digest d = Digest.sha256(content);
    try (Socket s = new Socket("127.0.0.1", node.port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /v2/bad/short/blobs/uploads/?digest="
                  + d
                  + " HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(content, 0, 500);
      out.flush();
      InputStream in = s.getInputStream();
      String resp = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(Http.status(resp)).as(resp).isEqualTo(400);
      assertThat(resp).contains("SIZE_INVALID");
    }
    assertThat(node.blobStore().stat(d)).isEmpty();
    assertNothingStored();
  }

  @Test
  void anOversizedManifestIs413WithoutReadingIt() throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("PUT /v2/bad/big/manifests/v1 HTTP/1.1\r\nHost: x\r\nContent-Type: "
                  + OciImages.OCI_MANIFEST
                  + "\r\nContent-Length: "
                  + (64L << 20)
                  + "\r\n\r\n{\"schemaVersion\":2,")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String resp = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(Http.status(resp)).as(resp).isEqualTo(413);
      assertThat(resp).contains("\"errors\"").contains("MANIFEST_INVALID");
    }
    assertNothingStored();
  }

  @Test
  void manifestsNamingMissingBlobsAndInvalidJsonStoreNothing() {
    Image img = OciImages.image(false, "amd64", 1, 100, 3);
    Response r =
        oci.putManifest("bad/manifest", "v1", OciImages.OCI_MANIFEST, img.manifest().bytes());
    assertError(r, 400, "MANIFEST_BLOB_UNKNOWN");
    for (String broken :
        List.of(
            "{",
            "[]",
            "null",
            "{\"schemaVersion\":1}",
            "{\"schemaVersion\":2,\"mediaType\":\"" + OciImages.OCI_MANIFEST + "\"}",
            "{\"schemaVersion\":2,\"config\":{\"digest\":\"x\"},\"layers\":[]}",
            "not json at all")) {
      Response b =
          oci.putManifest(
              "bad/manifest",
              "v1",
              OciImages.OCI_MANIFEST,
              broken.getBytes(StandardCharsets.UTF_8));
      assertError(b, 400, "MANIFEST_INVALID");
    }
    Response unknownType =
        oci.putManifest(
            "bad/manifest",
            "v1",
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            "{\"schemaVersion\":2}".getBytes(StandardCharsets.UTF_8));
    assertError(unknownType, 400, "MANIFEST_INVALID");
    assertNothingStored();
    assertThat(
            node.ociIndex().repositoryExists(io.berth.common.RepositoryName.parse("bad/manifest")))
        .isFalse();
  }

  @Test
  void anUploadIdOfAnotherRepositoryIsUnknown() {
    String loc =
        oci.send("POST", "/v2/bad/owner/blobs/uploads/", null, Map.of()).header("Location");
    String id = loc.substring(loc.lastIndexOf('/') + 1);
    String foreign = "/v2/bad/intruder/blobs/uploads/" + id;
    byte[] content = OciImages.random(100, 4);
    assertError(oci.get(foreign), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(oci.send("PATCH", foreign, content, Map.of()), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(
        oci.send("PUT", foreign + "?digest=" + Digest.sha256(content), content, Map.of()),
        404,
        "BLOB_UPLOAD_UNKNOWN");
    assertError(oci.delete(foreign), 404, "BLOB_UPLOAD_UNKNOWN");
    assertError(oci.get("/v2/bad/owner/blobs/uploads/not..an..id"), 404, "BLOB_UPLOAD_UNKNOWN");
    assertThat(oci.get(loc).status()).as("the owner's session is untouched").isEqualTo(204);
    assertNothingStored();
    Response put = oci.send("PUT", loc + "?digest=" + Digest.sha256(content), content, Map.of());
    assertThat(put.status()).isEqualTo(201);
  }

  @Test
  void concurrentRequestsOnOneSessionAre429WithRetryAfter() throws Exception {
    String loc = oci.send("POST", "/v2/bad/busy/blobs/uploads/", null, Map.of()).header("Location");
    Socket s = null;
    Response second = null;
    try {
      // the slow PATCH must hold the session before the probe arrives; if a probe overtook it (a
      // loaded machine), the PATCH itself was the second request and got the 429: start it again
      for (int attempt = 0; attempt < 5 && second == null; attempt++) {
        if (s != null) {
          s.close();
        }
        s = new Socket("127.0.0.1", node.port());
        s.setSoTimeout(30_000);
        OutputStream out = s.getOutputStream();
        out.write(
            ("PATCH " + loc + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(new byte[100]);
        out.flush();
        for (int i = 0; i < 500; i++) {
          Response probe = oci.get(loc);
          if (probe.status() == 429) {
            second = probe;
            break;
          }
          if (s.getInputStream().available() > 0) {
            break; // the PATCH was answered (it lost the race): try again
          }
          Thread.sleep(20);
        }
      }
      assertThat(second).as("a request while a PATCH holds the session").isNotNull();
      assertError(second, 429, "TOOMANYREQUESTS");
      assertThat(second.header("Retry-After")).isNotBlank();
      OutputStream out = s.getOutputStream();
      out.write(new byte[900]);
      out.flush();
      String resp = new String(s.getInputStream().readNBytes(12), StandardCharsets.ISO_8859_1);
      assertThat(Http.status(resp)).isEqualTo(202);
    } finally {
      if (s != null) {
        s.close();
      }
    }
    assertThat(oci.get(loc).header("Range")).isEqualTo("0-999");
    oci.delete(loc);
  }

  @Test
  void wrongMethodsAre405() {
    List<Response> rs = new ArrayList<>();
    rs.add(oci.send("POST", "/v2/ok/manifests/latest", null, Map.of()));
    rs.add(oci.send("PUT", "/v2/ok/tags/list", null, Map.of()));
    rs.add(oci.send("PATCH", "/v2/ok/blobs/" + Digest.sha256(new byte[1]), null, Map.of()));
    rs.add(oci.send("DELETE", "/v2/", null, Map.of()));
    for (Response r : rs) {
      assertError(r, 405, "UNSUPPORTED");
      assertThat(r.header("Allow")).isNotBlank();
    }
  }

  @Test
  void blobsOfOtherModesStillPushAfterAllThis() {
    Blob b = new Blob("application/octet-stream", OciImages.random(200, 5));
    oci.pushBlob("bad/after", b.bytes());
    assertThat(oci.head("/v2/bad/after/blobs/" + b.digest()).status()).isEqualTo(200);
  }
}
