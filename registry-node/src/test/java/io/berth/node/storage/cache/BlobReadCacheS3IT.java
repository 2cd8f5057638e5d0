package io.berth.node.storage.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real node on S3Proxy with the node-local read cache (storage.s3.localCache): a module zip and
 * an OCI layer read once are served from the cache (hits counted, no S3 read), and after S3Proxy is
 * killed they are still served, whole and as a range, while a zip and a layer never read before
 * answer 503 in each protocol's error format. A HEAD reads no content and fills nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BlobReadCacheS3IT {
  static final String BUCKET = "read-cache";
  static final String CACHED = "corp.example.com/cached/mod";
  static final String UNCACHED = "corp.example.com/uncached/mod";

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static NodeAssembly node;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c ->
                c.withStorage(
                    c.storage()
                        .withS3(
                            s3.config(BUCKET)
                                .withLocalCache(
                                    new NodeConfig.LocalCacheSection(
                                        true, null, 64L << 20, 4L << 20, false)))));
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

  /** Incompressible-enough text, so the zip is larger than the in-memory cache's 64 KiB limit. */
  static String noise(int n, long seed) {
    Random r = new Random(seed);
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(alphabet.charAt(r.nextInt(64)));
    }
    return sb.toString();
  }

  static Path publish(String module, long seed) throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            module,
            "v1.0.0",
            Map.of("go.mod", "module " + module + "\n", "data.txt", noise(300_000, seed)));
    HttpResponse<String> r =
        Http.putFile(
            TestNodes.url(node)
                + "/_berth/api/go/publish/"
                + ModulePath.escape(module)
                + "/@v/v1.0.0.zip",
            zip);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    assertThat(Files.size(zip)).isGreaterThan(100_000);
    return zip;
  }

  static String zipUrl(String module) {
    return TestNodes.url(node) + "/" + ModulePath.escape(module) + "/@v/v1.0.0.zip";
  }

  static double cacheCounter(String result) {
    return node.metrics().find("berth_blob_cache").tag("result", result).counter().count();
  }

  @Test
  @Order(1)
  void aHeadAnswersFromTheSizeAndNeitherDownloadsNorCachesTheBlob() throws Exception {
    OciClient oci = new OciClient(TestNodes.url(node));
    byte[] layer = OciImages.random(400_000, 5);
    Digest d = oci.pushBlob("cache/head", layer);
    double misses = cacheCounter("miss");
    double filled = node.metrics().find("berth_blob_cache_filled_bytes").counter().count();

    Response head = oci.head("/v2/cache/head/blobs/" + d);
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("Content-Length")).isEqualTo("400000");
    assertThat(head.header("Docker-Content-Digest")).isEqualTo(d.toString());
    assertThat(head.body()).isEmpty();
    assertThat(node.metrics().find("berth_blob_cache_filled_bytes").counter().count())
        .as("no byte of the blob was downloaded into the cache")
        .isEqualTo(filled);
    assertThat(cacheCounter("miss")).isEqualTo(misses + 1);
    Path shard =
        tmp.resolve("node")
            .resolve("blob-cache")
            .resolve("blobs")
            .resolve("sha256")
            .resolve(d.hex().substring(0, 2));
    assertThat(
            !Files.exists(shard)
                || Files.list(shard).noneMatch(p -> p.getFileName().toString().startsWith(d.hex())))
        .as("no cache file for the blob")
        .isTrue();
    // a GET afterwards still fills and serves it
    assertThat(oci.get("/v2/cache/head/blobs/" + d).body()).isEqualTo(layer);
    assertThat(node.metrics().find("berth_blob_cache_filled_bytes").counter().count())
        .isEqualTo(filled + layer.length);
  }

  @Test
  @Order(2)
  void cachedBlobsAreServedWhileS3IsDownAndUncachedOnesAnswer503() throws Exception {
    Path cachedZip = publish(CACHED, 1);
    publish(UNCACHED, 2);
    OciClient oci = new OciClient(TestNodes.url(node));
    byte[] layer = OciImages.random(400_000, 3);
    byte[] other = OciImages.random(400_000, 4);
    Digest layerDigest = oci.pushBlob("cache/app", layer);
    Digest otherDigest = oci.pushBlob("cache/app", other);

    HttpResponse<byte[]> first = Http.getBytes(zipUrl(CACHED));
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.body()).isEqualTo(Files.readAllBytes(cachedZip));
    assertThat(oci.get("/v2/cache/app/blobs/" + layerDigest).body()).isEqualTo(layer);
    double missesAfterFirstReads = cacheCounter("miss");
    assertThat(missesAfterFirstReads).isGreaterThanOrEqualTo(2);

    double hitsBefore = cacheCounter("hit");
    assertThat(Http.getBytes(zipUrl(CACHED)).body()).isEqualTo(Files.readAllBytes(cachedZip));
    assertThat(oci.get("/v2/cache/app/blobs/" + layerDigest).body()).isEqualTo(layer);
    assertThat(cacheCounter("hit")).isEqualTo(hitsBefore + 2);
    assertThat(cacheCounter("miss")).isEqualTo(missesAfterFirstReads);
    Path cacheDir = tmp.resolve("node").resolve("blob-cache").resolve("blobs");
    assertThat(cacheDir.resolve("sha256").resolve(layerDigest.hex().substring(0, 2)))
        .isDirectoryContaining(p -> p.getFileName().toString().startsWith(layerDigest.hex()));

    s3.stop();

    HttpResponse<byte[]> zip = Http.getBytes(zipUrl(CACHED));
    assertThat(zip.statusCode()).isEqualTo(200);
    assertThat(zip.body()).isEqualTo(Files.readAllBytes(cachedZip));
    Response blob = oci.get("/v2/cache/app/blobs/" + layerDigest);
    assertThat(blob.status()).isEqualTo(200);
    assertThat(blob.body()).isEqualTo(layer);
    assertThat(blob.header("Docker-Content-Digest")).isEqualTo(layerDigest.toString());
    Response range =
        oci.get("/v2/cache/app/blobs/" + layerDigest, Map.of("Range", "bytes=1000-1999"));
    assertThat(range.status()).isEqualTo(206);
    assertThat(range.body()).isEqualTo(java.util.Arrays.copyOfRange(layer, 1000, 2000));

    HttpResponse<String> uncachedZip = Http.get(zipUrl(UNCACHED));
    assertThat(uncachedZip.statusCode()).as(uncachedZip.body()).isEqualTo(503);
    assertThat(uncachedZip.headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("text/plain");
    Response uncachedBlob = oci.get("/v2/cache/app/blobs/" + otherDigest);
    assertThat(uncachedBlob.status()).as(uncachedBlob.toString()).isEqualTo(503);
    assertThat(uncachedBlob.header("Content-Type")).startsWith("application/json");
    assertThat(uncachedBlob.errorCode()).isEqualTo("UNAVAILABLE");
  }
}
