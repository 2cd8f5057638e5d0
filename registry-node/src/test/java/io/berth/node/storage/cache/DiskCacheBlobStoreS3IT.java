package io.berth.node.storage.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BlobStoreContract;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.storage.s3.S3BlobStore;
import io.berth.node.testsupport.S3ProxyServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BlobStore contract for the disk read cache in front of a real S3-compatible server (S3Proxy
 * in its own JVM), plus: a cached blob is served from its file while the bucket object is corrupted
 * on S3Proxy's disk (the cache is read, not S3), and scrub's view (the raw S3 store) still sees the
 * corruption.
 */
class DiskCacheBlobStoreS3IT extends BlobStoreContract {
  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static final AtomicInteger counter = new AtomicInteger();
  S3BlobStore bucket;
  String bucketName;
  Path cacheDir;

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

  @Override
  protected BlobStore newStore() {
    int n = counter.incrementAndGet();
    bucketName = "cache-contract-" + n;
    bucket = new S3BlobStore(s3.config(bucketName), "writer-a");
    cacheDir = tmp.resolve("cache-" + n);
    return new DiskCacheBlobStore(
        bucket, cacheDir, 64L << 20, 16L << 20, true, new SimpleMeterRegistry());
  }

  @Override
  protected boolean noTemporaryData() throws Exception {
    try (Stream<Path> s = Files.list(cacheDir.resolve("tmp"))) {
      return bucket.incompleteUploads().isEmpty()
          && bucket.allKeys().stream().allMatch(k -> k.startsWith("blobs/"))
          && s.findAny().isEmpty();
    }
  }

  @Test
  void aCachedBlobIsServedFromLocalDiskWhileScrubSeesTheBucket() throws Exception {
    byte[] content = new byte[500_000];
    new Random(42).nextBytes(content);
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    try (InputStream in = store.open(b.digest()).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    Path object = s3.objectFile(bucketName, "blobs/sha256/" + b.digest().hex());
    byte[] rotten = content.clone();
    rotten[100] ^= 1;
    Files.write(object, rotten);

    BlobReader hit = store.open(b.digest()).orElseThrow();
    assertThat(hit.localFile()).isPresent();
    try (InputStream in = hit.openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
    try (InputStream in = bucket.open(b.digest()).orElseThrow().openStream()) {
      md.update(in.readAllBytes());
    }
    assertThat(Digest.of(Digest.Algorithm.SHA256, md.digest()))
        .as("the raw store scrub reads still has the corrupt object")
        .isNotEqualTo(b.digest());
    assertThat(store.quarantine(b.digest())).isTrue();
    assertThat(((DiskCacheBlobStore) store).cachedFile(b.digest())).isEmpty();
    assertThat(store.open(b.digest())).isEmpty();
  }

  /**
   * With fill-on-write (the production default), a blob stored through the cache is in the cache
   * the moment the put returns, with the bytes the bucket holds: its first read is a local file. A
   * blob above the cache's limit is stored but not kept.
   */
  @Test
  void aBlobStoredThroughTheCacheIsReadFromLocalDiskAtOnce() throws Exception {
    byte[] content = new byte[700_000];
    new Random(7).nextBytes(content);
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    DiskCacheBlobStore cache = (DiskCacheBlobStore) store;
    assertThat(cache.cachedFile(b.digest())).isPresent();
    assertThat(Files.readAllBytes(cache.cachedFile(b.digest()).orElseThrow())).isEqualTo(content);
    BlobReader first = store.open(b.digest()).orElseThrow();
    assertThat(first.localFile()).as("served from the file kept on the put").isPresent();
    try (InputStream in = bucket.open(b.digest()).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).as("the bucket holds the same bytes").isEqualTo(content);
    }

    byte[] large = new byte[(16 << 20) + 1];
    new Random(8).nextBytes(large);
    StoredBlob l = store.put(new ByteArrayInputStream(large), PutExpectation.any());
    assertThat(cache.cachedFile(l.digest())).as("above maxBlobBytes: not kept").isEmpty();
    assertThat(store.stat(l.digest()).orElseThrow().size()).isEqualTo(large.length);
    assertThat(noTemporaryData()).isTrue();
  }
}
