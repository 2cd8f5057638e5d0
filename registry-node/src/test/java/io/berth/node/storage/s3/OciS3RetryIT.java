package io.berth.node.storage.s3;

import static io.berth.node.testsupport.OciClient.headers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.testsupport.FaultyTcpProxy;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v2/} with S3 answering 5xx or too slowly, through a fault-injecting proxy in front of
 * S3Proxy: a transient 503 is absorbed by the bounded retries; persistent 503s and stalls give OCI
 * clients 503 with Retry-After and the spec's JSON body on reads (blob GET, Range, and a HEAD whose
 * size must be asked of S3; a HEAD of a blob whose size the node knows reads nothing) and writes
 * (monolithic push, upload completion, manifest PUT), within bounded time, without writing any
 * index entry; readiness reports it; a chunked upload keeps its session; everything succeeds when
 * retried after S3 recovers.
 */
class OciS3RetryIT {
  static final RepositoryName REPO = RepositoryName.parse("retry/app");

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static FaultyTcpProxy proxy;
  static NodeAssembly node;
  static OciClient oci;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    proxy = new FaultyTcpProxy(s3.port());
    NodeConfig.S3Section section =
        NodeConfig.S3Section.of(
                proxy.endpoint(), "oci-retry", S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)
            .withRetries(2, 3, 50);
    node = TestNodes.start(tmp.resolve("node"), c -> c.withStorage(c.storage().withS3(section)));
    oci = new OciClient(TestNodes.url(node));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static void assertUnavailable(Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.header("Retry-After")).isNotBlank();
    if (!r.raw().request().method().equals("HEAD")) {
      assertThat(r.header("Content-Type")).startsWith("application/json");
      assertThat(r.errorCode()).isEqualTo("UNAVAILABLE");
    }
  }

  private static Response monolithic(Blob b) {
    return oci.send(
        "POST", "/v2/" + REPO + "/blobs/uploads/?digest=" + b.digest(), b.bytes(), Map.of());
  }

  /** A manifest of the image's blobs that differs from every other one by an annotation. */
  private static Blob manifest(Image img, String n) {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", OciImages.OCI_MANIFEST);
    m.put("config", img.config().descriptor());
    m.put("layers", img.layers().stream().map(Blob::descriptor).toList());
    m.put("annotations", Map.of("n", n));
    return new Blob(OciImages.OCI_MANIFEST, OciImages.json(m));
  }

  /** A monolithic push and a manifest PUT are refused with 503 and write nothing. */
  private static void assertRefusedWrites(Image img, String n) {
    Blob fresh = new Blob(OciImages.OCI_LAYER, OciImages.random(4000, n.hashCode()));
    assertUnavailable(monolithic(fresh));
    assertThat(node.ociIndex().blobLink(REPO, fresh.digest())).as("no link written").isEmpty();
    Blob v2 = manifest(img, "2-" + n);
    assertUnavailable(oci.putManifest(REPO.value(), "v2", v2.mediaType(), v2.bytes()));
    assertThat(node.ociIndex().tag(REPO, Tag.parse("v2"))).as("no tag written").isEmpty();
    assertThat(node.ociIndex().manifest(REPO, v2.digest())).as("no manifest written").isEmpty();
  }

  /** Completes the chunked upload with its last chunk in the PUT. */
  private static Response complete(String loc, byte[] chunked, Digest d) {
    return oci.send(
        "PUT",
        loc + "?digest=" + d,
        Arrays.copyOfRange(chunked, 100_000, chunked.length),
        headers("Content-Range", "100000-" + (chunked.length - 1)));
  }

  @Test
  void s3FailuresAre503JsonWithRetryAfterOnReadsAndWritesAndNothingIsIndexed() throws Exception {
    String url = TestNodes.url(node);
    Image img = OciImages.image(false, "amd64", 2, 200_000, 81);
    proxy.failNext(1);
    for (Blob b : img.blobs()) {
      assertThat(monolithic(b).status()).as("a 503 absorbed by a retry").isEqualTo(201);
    }
    assertThat(proxy.faults()).isEqualTo(1);
    Blob v1 = manifest(img, "1");
    assertThat(oci.putManifest(REPO.value(), "v1", v1.mediaType(), v1.bytes()).status())
        .isEqualTo(201);
    byte[] chunked = OciImages.random(300_000, 82);
    Digest chunkedDigest = Digest.sha256(chunked);
    Response session = oci.send("POST", "/v2/" + REPO + "/blobs/uploads/", null, Map.of());
    String loc = session.header("Location");

    // a blob another writer stored in the bucket and linked: this node has never seen its size
    byte[] foreign = OciImages.random(150_000, 83);
    Digest foreignDigest;
    try (S3BlobStore other = new S3BlobStore(s3.config("oci-retry"), "other-writer")) {
      foreignDigest =
          other.put(new java.io.ByteArrayInputStream(foreign), PutExpectation.any()).digest();
    }
    node.ociIndex().linkBlob(REPO, foreignDigest, foreign.length);

    // S3 answers every request with 503
    proxy.mode(FaultyTcpProxy.Mode.FAIL_503);
    Blob layer = img.layers().get(0);
    assertUnavailable(oci.get("/v2/" + REPO + "/blobs/" + layer.digest()));
    // a HEAD reads no content: a blob whose size the node knows (it stored it moments ago) is
    // answered without S3; one whose size must be asked of S3 gets the 503
    Response knownHead = oci.head("/v2/" + REPO + "/blobs/" + layer.digest());
    assertThat(knownHead.status()).as(knownHead.toString()).isEqualTo(200);
    assertThat(knownHead.header("Content-Length")).isEqualTo(Long.toString(layer.size()));
    assertUnavailable(oci.head("/v2/" + REPO + "/blobs/" + foreignDigest));
    assertUnavailable(
        oci.get("/v2/" + REPO + "/blobs/" + layer.digest(), headers("Range", "bytes=0-99")));
    assertRefusedWrites(img, "503");
    Response patch =
        oci.send(
            "PATCH", loc, Arrays.copyOf(chunked, 100_000), headers("Content-Range", "0-99999"));
    assertThat(patch.status()).as("chunks go to the node's disk, not to S3").isEqualTo(202);
    loc = patch.header("Location");
    Response complete = complete(loc, chunked, chunkedDigest);
    assertUnavailable(complete);
    assertThat(node.ociIndex().blobLink(REPO, chunkedDigest)).isEmpty();
    assertThat(oci.get(loc).header("Range")).as("the session keeps its chunk").isEqualTo("0-99999");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Http.get(url + "/readyz").statusCode() == 503);

    // S3 accepts connections but never answers
    proxy.mode(FaultyTcpProxy.Mode.STALL);
    long t0 = System.nanoTime();
    assertUnavailable(oci.get("/v2/" + REPO + "/blobs/" + img.layers().get(1).digest()));
    assertRefusedWrites(img, "stall");
    long seconds = (System.nanoTime() - t0) / 1_000_000_000L;
    assertThat(seconds).as("timeouts and bounded retries bound the waits").isLessThan(180);
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> Http.get(url + "/readyz").statusCode() == 503);

    proxy.mode(FaultyTcpProxy.Mode.PASS);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> Http.get(url + "/readyz").statusCode() == 200);
    Blob v2 = manifest(img, "2-again");
    Response retried = oci.putManifest(REPO.value(), "v2", v2.mediaType(), v2.bytes());
    assertThat(retried.status()).as(retried.toString()).isEqualTo(201);
    Response done = complete(loc, chunked, chunkedDigest);
    assertThat(done.status()).as(done.toString()).isEqualTo(201);
    assertThat(oci.get("/v2/" + REPO + "/blobs/" + chunkedDigest).body()).isEqualTo(chunked);
    for (Blob b : img.blobs()) {
      assertThat(oci.get("/v2/" + REPO + "/blobs/" + b.digest()).body()).isEqualTo(b.bytes());
    }
    assertThat(oci.get("/v2/" + REPO + "/manifests/v2").body()).isEqualTo(v2.bytes());
  }
}
