package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BlobStoreContract;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import io.berth.node.testsupport.FaultyTcpProxy;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.S3ProxyServer;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BlobStore contract against a real S3-compatible server (S3Proxy, filesystem backend, in its
 * own JVM), plus the S3-specific parts: multipart uploads of blobs larger than a part, cleanup of a
 * dead writer's leftovers, the fresh modified time of a re-put blob, listings that resume after a
 * connection was cut between pages.
 */
class S3BlobStoreIT extends BlobStoreContract {
  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static final AtomicInteger buckets = new AtomicInteger();

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  protected NodeConfig.S3Section section() {
    return s3.config("contract-" + buckets.incrementAndGet());
  }

  @Override
  protected BlobStore newStore() {
    return new S3BlobStore(section(), "writer-a");
  }

  private S3BlobStore s3Store() {
    return (S3BlobStore) store;
  }

  @Override
  protected boolean noTemporaryData() {
    return s3Store().incompleteUploads().isEmpty()
        && s3Store().allKeys().stream().allMatch(k -> k.startsWith("blobs/"));
  }

  @Test
  void largeBlobIsUploadedInPartsAndVerified() throws Exception {
    long size = (8L << 20) * 2 + 12345;
    StoredBlob b = store.put(new PatternStream(size, 9), PutExpectation.any().withSize(size));
    assertThat(b.size()).isEqualTo(size);
    assertThat(b.digest()).isEqualTo(PatternStream.digest(size, 9));
    assertThat(noTemporaryData()).isTrue();
    try (InputStream in = store.open(b.digest()).orElseThrow().openRange(size - 100, 100)) {
      assertThat(in.readAllBytes()).hasSize(100);
    }
    // known digest: the upload targets the final key directly and is completed after verification
    long size2 = (8L << 20) + 1;
    Digest d2 = PatternStream.digest(size2, 10);
    assertThat(store.put(new PatternStream(size2, 10), PutExpectation.digest(d2)).digest())
        .isEqualTo(d2);
    assertThatThrownBy(
            () ->
                store.put(
                    new PatternStream(size2, 11),
                    PutExpectation.digest(PatternStream.digest(size2, 12))))
        .isInstanceOf(BlobRejectedException.class);
    assertThat(store.stat(PatternStream.digest(size2, 12))).isEmpty();
    assertThat(store.stat(PatternStream.digest(size2, 11))).isEmpty();
    assertThat(noTemporaryData()).isTrue();
  }

  @Test
  void aSizeToldByAnAppliedEventAnswersOpenWithoutAskingTheServer() throws Exception {
    byte[] content = new byte[70_000];
    new java.util.Random(5).nextBytes(content);
    Digest d = store.put(new java.io.ByteArrayInputStream(content), PutExpectation.any()).digest();
    int dead;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    // another node of the region whose S3 endpoint does not answer: only the hint can tell it
    NodeConfig.S3Section unreachable =
        NodeConfig.S3Section.of(
                "http://127.0.0.1:" + dead,
                "contract-unreachable",
                S3ProxyServer.ACCESS_KEY,
                S3ProxyServer.SECRET_KEY)
            .withRetries(2, 1, 10);
    try (S3BlobStore other = new S3BlobStore(unreachable, "writer-b")) {
      assertThatThrownBy(() -> other.open(d))
          .as("without the hint, open asks the server")
          .isInstanceOf(io.berth.node.storage.StorageException.class);
      other.sizeSeen(d, content.length);
      assertThat(other.open(d).orElseThrow().size()).isEqualTo(content.length);
      assertThatThrownBy(() -> other.stat(d))
          .as("stat still asks the server")
          .isInstanceOf(io.berth.node.storage.StorageException.class);
    }
  }

  @Test
  void aLargeBlobThatIsStoredIsVerifiedAndTouchedNotUploadedAgain() throws Exception {
    long size = (8L << 20) * 2 + 7;
    Digest d = PatternStream.digest(size, 20);
    StoredBlob first = store.put(new PatternStream(size, 20), PutExpectation.digest(d));
    long before = store.stat(d).orElseThrow().modifiedMillis();
    Thread.sleep(1100); // S3's Last-Modified has one-second resolution
    StoredBlob again = store.put(new PatternStream(size, 20), PutExpectation.digest(d));
    assertThat(again.digest()).isEqualTo(d);
    assertThat(again.size()).isEqualTo(first.size());
    assertThat(store.stat(d).orElseThrow().modifiedMillis())
        .as("the existing object is touched")
        .isGreaterThan(before);
    // content that does not hash to the (stored) expected digest is refused, the object stays
    assertThatThrownBy(
            () -> store.put(new PatternStream(size, 21), PutExpectation.digest(d).withSize(size)))
        .isInstanceOf(BlobRejectedException.class);
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    try (InputStream in = store.open(d).orElseThrow().openStream()) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    assertThat(Digest.of(Digest.Algorithm.SHA256, md.digest())).isEqualTo(d);
    assertThat(noTemporaryData()).isTrue();
  }

  @Test
  void cleanupRemovesADeadWritersLeftovers() throws Exception {
    NodeConfig.S3Section cfg = section();
    String bucket = cfg.bucket();
    try (S3BlobStore dead = new S3BlobStore(cfg, "writer-dead");
        io.minio.MinioAsyncClient raw =
            io.minio.MinioAsyncClient.builder()
                .endpoint(s3.endpoint())
                .credentials(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)
                .build()) {
      // what a writer killed mid-put leaves: a temporary object and an open multipart upload
      raw.putObject(
              io.minio.PutObjectArgs.builder().bucket(bucket).object("tmp/writer-dead/t1").stream(
                      new java.io.ByteArrayInputStream(new byte[100]), 100, -1)
                  .build())
          .get();
      String uploadId =
          raw.createMultipartUploadAsync(bucket, "us-east-1", "tmp/writer-dead/t2", null, null)
              .get()
              .result()
              .uploadId();
      raw.uploadPartAsync(
              bucket,
              "us-east-1",
              "tmp/writer-dead/t2",
              new byte[1000],
              1000,
              uploadId,
              1,
              null,
              null)
          .get();
      assertThat(dead.incompleteUploads()).hasSize(1);
    }
    try (S3BlobStore restarted = new S3BlobStore(cfg, "writer-dead")) {
      assertThat(restarted.cleanupIncomplete()).isEqualTo(2);
      assertThat(restarted.incompleteUploads()).isEmpty();
      assertThat(restarted.allKeys()).allMatch(k -> k.startsWith("blobs/"));
    }
  }

  @Test
  void quarantineMovesTheBlobOutOfTheLiveKeyspace() throws Exception {
    StoredBlob b =
        store.put(new java.io.ByteArrayInputStream("bad bytes".getBytes()), PutExpectation.any());
    assertThat(store.quarantine(b.digest())).isTrue();
    assertThat(store.open(b.digest())).isEmpty();
    java.util.List<String> q = new java.util.ArrayList<>();
    s3Store().forEachQuarantined(q::add);
    assertThat(q).singleElement().asString().contains(b.digest().hex());
    assertThat(store.quarantine(b.digest())).isFalse();
  }

  /** A store reaching S3Proxy through {@code proxy}: 3 attempts, 20 ms backoff base. */
  private static S3BlobStore throughProxy(FaultyTcpProxy proxy, String bucket) {
    return new S3BlobStore(
        NodeConfig.S3Section.of(
                proxy.endpoint(), bucket, S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)
            .withRetries(5, 3, 20),
        "writer-a");
  }

  /** Stores {@code n} small distinct blobs, 16 at a time; their digests in key order. */
  private static List<Digest> putMany(S3BlobStore target, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<Digest>> puts = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        byte[] content = ("blob " + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        puts.add(
            pool.submit(
                () ->
                    target
                        .put(new java.io.ByteArrayInputStream(content), PutExpectation.any())
                        .digest()));
      }
      List<Digest> digests = new ArrayList<>();
      for (Future<Digest> f : puts) {
        digests.add(f.get());
      }
      digests.sort(java.util.Comparator.comparing(Digest::hex));
      return digests;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aListingWhoseConnectionsAreCutBetweenPagesResumesAfterTheLastKey() throws Exception {
    try (FaultyTcpProxy proxy = new FaultyTcpProxy(s3.port());
        S3BlobStore faulty = throughProxy(proxy, "contract-" + buckets.incrementAndGet())) {
      // three pages (S3 pages hold 1000 keys); the writes leave up to 16 idle pooled connections
      List<Digest> stored = putMany(faulty, 2100);
      List<Digest> seen = new ArrayList<>();
      int connections = proxy.connections();
      faulty.forEach(
          b -> {
            seen.add(b.digest());
            if (seen.size() == 1) {
              // while the visitor is in the first page, the proxy closes every open connection:
              // the request for the second page meets a dead pooled one, and the listing that
              // resumes needs two pages
              proxy.mode(FaultyTcpProxy.Mode.PASS);
            }
          });
      assertThat(seen).as("every key once, in key order").containsExactlyElementsOf(stored);
      assertThat(proxy.connections() - connections)
          .as("the listing reconnected after the cut")
          .isGreaterThanOrEqualTo(1);

      // a visitor's exception ends the listing as it is, without a retry
      int[] visits = {0};
      assertThatThrownBy(
              () ->
                  faulty.forEach(
                      b -> {
                        if (++visits[0] == 5) {
                          throw new IllegalStateException("visitor failed");
                        }
                      }))
          .isExactlyInstanceOf(IllegalStateException.class);
      assertThat(visits[0]).isEqualTo(5);

      // S3 answering 503 from the second page on: the listing gives up after 3 attempts
      seen.clear();
      int faults = proxy.faults();
      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  faulty.forEach(
                      b -> {
                        seen.add(b.digest());
                        if (seen.size() == 1) {
                          proxy.mode(FaultyTcpProxy.Mode.FAIL_503);
                        }
                      }))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("cannot list");
      assertThat(seen)
          .as("the first page (S3Proxy counts the directory blobs/sha256/ in it)")
          .hasSizeBetween(999, 1000)
          .containsExactlyElementsOf(stored.subList(0, seen.size()));
      // three attempts for the second page: the first on the pooled connection the proxy closed
      // when it switched, the other two answered 503
      assertThat(proxy.faults() - faults).isEqualTo(2);

      // the proxy gone (connection refused): bounded too
      proxy.close();
      assertThatThrownBy(() -> faulty.forEach(b -> {})).isInstanceOf(StorageException.class);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  @Test
  void aListingOfAMissingBucketIsNotRetried() throws Exception {
    String bucket = "contract-" + buckets.incrementAndGet();
    try (FaultyTcpProxy proxy = new FaultyTcpProxy(s3.port());
        S3BlobStore gone = throughProxy(proxy, bucket);
        io.minio.MinioAsyncClient raw =
            io.minio.MinioAsyncClient.builder()
                .endpoint(s3.endpoint())
                .credentials(S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)
                .build()) {
      raw.removeBucket(io.minio.RemoveBucketArgs.builder().bucket(bucket).build()).get();
      int connections = proxy.connections();
      assertThatThrownBy(() -> gone.forEach(b -> {}))
          .isInstanceOf(StorageException.class)
          .hasMessageContaining("NoSuchBucket");
      // a retry would have evicted the pooled connection and opened a new one
      assertThat(proxy.connections() - connections).isLessThanOrEqualTo(1);
    }
  }
}
