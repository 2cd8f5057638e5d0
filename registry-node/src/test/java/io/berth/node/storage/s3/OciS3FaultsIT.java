package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 server is killed while a 100 MiB OCI blob is being stored, pushed monolithically and as a
 * chunked upload: the client gets an OCI error (503 JSON with Retry-After) or a broken connection,
 * readiness reports the outage, blob reads and every write through {@code /v2/} answer 503 JSON
 * with Retry-After (a manifest PUT too, and it writes nothing), and no link names a missing blob. A
 * chunked upload keeps its session (its bytes are on the node's disk) and completes with a retry of
 * the final PUT once S3 is back; a monolithic push succeeds when retried. Nothing is left behind:
 * no temporary object, no incomplete multipart upload, no pending cleanup.
 */
class OciS3FaultsIT {
  static final String BUCKET = "oci-faults";
  static final long SIZE = 100L << 20;

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static NodeAssembly node;
  static OciClient oci;
  static Image image;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> c.withStorage(c.storage().withS3(s3.config(BUCKET).withRetries(30, 3, 100))));
    oci = new OciClient(TestNodes.url(node));
    image = OciImages.image(false, "amd64", 1, 200_000, 91);
    for (Blob b : image.blobs()) {
      oci.pushBlob("faults/app", b.bytes());
    }
    assertThat(
            oci.putManifest(
                    "faults/app", "v1", image.manifest().mediaType(), image.manifest().bytes())
                .status())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static S3BlobStore store() {
    return (S3BlobStore) node.rawBlobStore();
  }

  private static List<String> leftBehind() {
    List<String> out = new ArrayList<>();
    store().allKeys().stream().filter(k -> !k.startsWith("blobs/")).forEach(out::add);
    store().incompleteUploads().forEach(u -> out.add("incomplete upload " + u));
    if (store().pendingLeftovers() > 0) {
      out.add(store().pendingLeftovers() + " cleanups pending");
    }
    return out;
  }

  /** Every live link and manifest of the index names a stored blob. */
  private static void assertNoEntryWithoutItsBlob() {
    List<String> dangling = new ArrayList<>();
    node.ociIndex()
        .forEachBlobLink(
            l -> {
              if (store().stat(Digest.parse(l.getDigest())).isEmpty()) {
                dangling.add("link " + l.getRepository() + " -> " + l.getDigest());
              }
            });
    node.ociIndex()
        .forEachManifest(
            m -> {
              for (String d : m.getReferencedDigestsList()) {
                if (store().stat(Digest.parse(d)).isEmpty()) {
                  dangling.add(m.getDigest() + " -> " + d);
                }
              }
            });
    assertThat(dangling).as("index entries naming missing blobs").isEmpty();
  }

  /** The pattern's bytes from {@code from} to its end. */
  private static InputStream tail(long seed, long from) {
    PatternStream p = new PatternStream(SIZE, seed);
    try {
      long skipped = 0;
      byte[] buf = new byte[1 << 16];
      while (skipped < from) {
        skipped += p.read(buf, 0, (int) Math.min(buf.length, from - skipped));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return p;
  }

  /** Runs a request in the background; its outcome is a Response or the exception it threw. */
  private static CompletableFuture<Object> async(Supplier<Response> request) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return request.get();
          } catch (RuntimeException e) {
            return e;
          }
        });
  }

  /** Kills S3 once parts of the multipart upload arrive; asserts the client saw a clean failure. */
  private static void killS3During(CompletableFuture<Object> push) throws Exception {
    await("parts of the multipart upload to arrive")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> s3.multipartPartsArriving(BUCKET) || push.isDone());
    assertThat(push).as("the push must still be storing when S3 goes down").isNotDone();
    s3.stop();
    Object outcome = push.get();
    if (outcome instanceof Response r) {
      assertUnavailable(r);
    } else {
      assertThat(outcome).as("a broken connection").isInstanceOf(UncheckedIOException.class);
    }
  }

  private static void assertUnavailable(Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(503);
    assertThat(r.header("Retry-After")).isNotBlank();
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.errorCode()).isEqualTo("UNAVAILABLE");
  }

  private static void whileDownReadsAndWritesAre503() throws Exception {
    String url = TestNodes.url(node);
    await("readiness reports the storage failure")
        .atMost(Duration.ofSeconds(30))
        .until(() -> Http.get(url + "/readyz").statusCode() == 503);
    assertThat(Http.get(url + "/readyz").body()).contains("object storage unavailable");
    assertUnavailable(oci.get("/v2/faults/app/blobs/" + image.layers().get(0).digest()));
    Blob fresh = new Blob(OciImages.OCI_LAYER, OciImages.random(5000, System.nanoTime()));
    Response push =
        oci.send(
            "POST",
            "/v2/faults/app/blobs/uploads/?digest=" + fresh.digest(),
            fresh.bytes(),
            Map.of());
    assertUnavailable(push);
    assertThat(node.ociIndex().blobLink(RepositoryName.parse("faults/app"), fresh.digest()))
        .isEmpty();
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("schemaVersion", 2);
    m.put("mediaType", OciImages.OCI_MANIFEST);
    m.put("config", image.config().descriptor());
    m.put("layers", image.layers().stream().map(Blob::descriptor).toList());
    m.put("annotations", Map.of("n", Long.toString(System.nanoTime())));
    Blob retagged = new Blob(OciImages.OCI_MANIFEST, OciImages.json(m));
    assertUnavailable(
        oci.putManifest("faults/app", "down", retagged.mediaType(), retagged.bytes()));
    assertThat(node.ociIndex().tag(RepositoryName.parse("faults/app"), Tag.parse("down")))
        .as("a manifest PUT that failed wrote nothing")
        .isEmpty();
    assertThat(node.ociIndex().manifest(RepositoryName.parse("faults/app"), retagged.digest()))
        .isEmpty();
  }

  private static void s3ComesBack() throws Exception {
    s3.restart();
    String url = TestNodes.url(node);
    await("ready again")
        .atMost(Duration.ofSeconds(30))
        .until(() -> Http.get(url + "/readyz").statusCode() == 200);
    try {
      await("the failed upload's leftovers are cleaned up")
          .atMost(Duration.ofSeconds(90))
          .until(() -> leftBehind().isEmpty());
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("left behind: " + leftBehind(), e);
    }
  }

  private static void assertStored(String repo, Digest d) {
    OciClient.Streamed got = oci.getDigest("/v2/" + repo + "/blobs/" + d);
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.size()).isEqualTo(SIZE);
    assertThat(got.digest()).isEqualTo(d);
    assertThat(leftBehind()).isEmpty();
    assertNoEntryWithoutItsBlob();
  }

  @Test
  void s3OutageDuringA100MiBMonolithicPush() throws Exception {
    Digest d = PatternStream.digest(SIZE, 1);
    String url = "/v2/faults/mono/blobs/uploads/?digest=" + d;
    Map<String, String> h = Map.of("Content-Type", "application/octet-stream");
    killS3During(
        async(() -> oci.sendStream("POST", url, () -> new PatternStream(SIZE, 1), SIZE, h)));
    assertThat(node.ociIndex().blobLink(RepositoryName.parse("faults/mono"), d))
        .as("no link without its blob")
        .isEmpty();
    whileDownReadsAndWritesAre503();

    s3ComesBack();
    Response retry = oci.sendStream("POST", url, () -> new PatternStream(SIZE, 1), SIZE, h);
    assertThat(retry.status()).as(retry.toString()).isEqualTo(201);
    assertStored("faults/mono", d);
  }

  @Test
  void s3OutageWhileAChunked100MiBUploadCompletes() throws Exception {
    Digest d = PatternStream.digest(SIZE, 2);
    long chunk = 32L << 20;
    Response start = oci.send("POST", "/v2/faults/chunked/blobs/uploads/", null, Map.of());
    String loc = start.header("Location");
    String id = start.header("Docker-Upload-UUID");
    Response r = oci.patchStreamed(loc, new PatternStream(SIZE, 2), 0, chunk, 3);
    assertThat(r.status()).as(r.toString()).isEqualTo(202);
    loc = r.header("Location");
    long off = 3 * chunk;
    long last = SIZE - off;
    long lastFrom = off;
    String put = loc + (loc.contains("?") ? "&" : "?") + "digest=" + d;
    Map<String, String> range = Map.of("Content-Range", lastFrom + "-" + (SIZE - 1));
    killS3During(async(() -> oci.sendStream("PUT", put, () -> tail(2, lastFrom), last, range)));
    assertThat(node.ociIndex().blobLink(RepositoryName.parse("faults/chunked"), d)).isEmpty();

    Response status = oci.get(loc);
    assertThat(status.status())
        .as("the session survives: its bytes are on the node's disk, not in S3")
        .isEqualTo(204);
    assertThat(status.header("Range")).isEqualTo("0-" + (lastFrom - 1));
    assertThat(Files.size(node.ociUploads().directory().resolve(id))).isEqualTo(lastFrom);
    whileDownReadsAndWritesAre503();

    s3ComesBack();
    Response retry = oci.sendStream("PUT", put, () -> tail(2, lastFrom), last, range);
    assertThat(retry.status()).as(retry.toString()).isEqualTo(201);
    assertThat(node.ociUploads().directory().resolve(id)).doesNotExist();
    assertStored("faults/chunked", d);
  }
}
