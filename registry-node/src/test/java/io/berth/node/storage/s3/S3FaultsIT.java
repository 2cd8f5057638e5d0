package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The S3 server is killed while a 100 MiB module zip is being stored: the client gets an error (503
 * with Retry-After, or a broken connection), readiness and GOPROXY reads report 503 while it is
 * down, no index entry exists, and once the server is back the failed upload's leftovers are
 * cleaned up, a retry of the publish succeeds and nothing else is left behind.
 */
class S3FaultsIT {
  static final String BUCKET = "faults";
  static final String BIG = "corp.example.com/big/mod";
  static final String SMALL = "corp.example.com/small/mod";

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static NodeAssembly node;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> {
              var g = c.withGo(TestNodes.go("off", List.of("corp.example.com"), 60, 500L << 20));
              return g.withStorage(g.storage().withS3(s3.config(BUCKET).withRetries(5, 3, 100)));
            });
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

  /** A valid module zip of about {@code mib} MiB of incompressible content, built on disk. */
  static Path bigZip(Path dir, String module, String version, int mib) throws IOException {
    Files.createDirectories(dir);
    Path zip = dir.resolve("big.zip");
    try (OutputStream os = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(os)) {
      z.setLevel(Deflater.NO_COMPRESSION);
      String root = module + "@" + version + "/";
      z.putNextEntry(new ZipEntry(root + "go.mod"));
      z.write(("module " + module + "\n").getBytes());
      z.closeEntry();
      byte[] buf = new byte[1 << 20];
      for (int i = 0; i < mib / 4; i++) {
        z.putNextEntry(new ZipEntry(root + "data/part" + i + ".bin"));
        try (PatternStream p = new PatternStream(4L << 20, i)) {
          int n;
          while ((n = p.read(buf, 0, buf.length)) > 0) {
            z.write(buf, 0, n);
          }
        }
        z.closeEntry();
      }
    }
    return zip;
  }

  private S3BlobStore store() {
    return (S3BlobStore) node.rawBlobStore();
  }

  private boolean nothingLeftBehind() {
    return store().pendingLeftovers() == 0
        && store().incompleteUploads().isEmpty()
        && store().allKeys().stream().allMatch(k -> k.startsWith("blobs/"));
  }

  @Test
  void s3OutageDuringA100MiBPublishLeavesNothingAndARetrySucceeds() throws Exception {
    String url = TestNodes.url(node);
    String publish = url + "/_berth/api/go/publish/";
    Path small =
        GoModules.zip(
            tmp.resolve("small"),
            SMALL,
            "v1.0.0",
            Map.of("go.mod", "module " + SMALL + "\n", "s.go", "package mod\n"));
    assertThat(
            Http.putFile(publish + ModulePath.escape(SMALL) + "/@v/v1.0.0.zip", small).statusCode())
        .isEqualTo(201);
    Path big = bigZip(tmp.resolve("big"), BIG, "v1.0.0", 100);
    assertThat(Files.size(big)).isGreaterThan(100L << 20);
    String bigUrl = publish + ModulePath.escape(BIG) + "/@v/v1.0.0.zip";

    CompletableFuture<Object> first =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return Http.putFile(bigUrl, big);
              } catch (Exception e) {
                return e;
              }
            });
    await("parts of the multipart upload to arrive")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(10))
        .until(() -> s3.multipartPartsArriving(BUCKET) || first.isDone());
    assertThat(first).as("the publish must still be storing when S3 goes down").isNotDone();
    s3.stop();
    Object outcome = first.get();
    if (outcome instanceof HttpResponse<?> r) {
      assertThat(r.statusCode()).as(String.valueOf(r.body())).isEqualTo(503);
      assertThat(r.headers().firstValue("Retry-After")).isPresent();
      assertThat(String.valueOf(r.body())).contains("storage unavailable");
    } else {
      assertThat(outcome).as("a broken connection").isInstanceOf(IOException.class);
    }
    assertThat(node.moduleIndex().get(ModulePath.of(BIG), "v1.0.0"))
        .as("no index entry without its blob")
        .isEmpty();

    await("readiness reports the storage failure")
        .atMost(Duration.ofSeconds(30))
        .until(() -> Http.get(url + "/readyz").statusCode() == 503);
    assertThat(Http.get(url + "/readyz").body()).contains("object storage unavailable");
    HttpResponse<String> read = Http.get(url + "/" + ModulePath.escape(SMALL) + "/@v/v1.0.0.zip");
    assertThat(read.statusCode()).isEqualTo(503);
    assertThat(read.headers().firstValue("Retry-After")).isPresent();
    assertThat(read.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");

    s3.restart();
    await("ready again")
        .atMost(Duration.ofSeconds(30))
        .until(() -> Http.get(url + "/readyz").statusCode() == 200);
    try {
      await("the failed upload's leftovers are cleaned up")
          .atMost(Duration.ofSeconds(60))
          .until(this::nothingLeftBehind);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError(
          "left behind: keys "
              + store().allKeys()
              + ", uploads "
              + store().incompleteUploads()
              + ", pending "
              + store().pendingLeftovers(),
          e);
    }

    HttpResponse<String> retry = Http.putFile(bigUrl, big);
    assertThat(retry.statusCode()).as(retry.body()).isEqualTo(201);
    assertThat(nothingLeftBehind()).isTrue();
    var rec = node.moduleIndex().get(ModulePath.of(BIG), "v1.0.0").orElseThrow();
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (var in = Files.newInputStream(big)) {
      byte[] buf = new byte[1 << 20];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    assertThat(rec.getZipDigest())
        .isEqualTo(Digest.of(Digest.Algorithm.SHA256, md.digest()).toString());
    assertThat(store().stat(Digest.parse(rec.getZipDigest())))
        .get()
        .extracting(b -> b.size())
        .isEqualTo(Files.size(big));
    assertThat(Http.get(url + "/" + ModulePath.escape(SMALL) + "/@v/v1.0.0.zip").statusCode())
        .isEqualTo(200);
  }
}
