package io.berth.node.storage.cache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BlobStoreContract;
import io.berth.node.storage.ForwardingBlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import io.berth.node.storage.file.FileBlobStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BlobStore contract for the disk read cache over a file store, and the cache's own behaviour:
 * hits without remote reads, one remote read for concurrent misses, eviction at the bound, size
 * checks on hits, digest verification on fill, invalidation by delete and quarantine, and restart.
 */
class DiskCacheBlobStoreTest extends BlobStoreContract {
  @TempDir Path dir;
  FileBlobStore files;
  CountingStore remote;
  SimpleMeterRegistry metrics;

  @Override
  protected BlobStore newStore() {
    files = new FileBlobStore(dir.resolve("remote"));
    remote = new CountingStore(files);
    metrics = new SimpleMeterRegistry();
    return new DiskCacheBlobStore(remote, dir.resolve("cache"), 1 << 20, 256 << 10, metrics);
  }

  private DiskCacheBlobStore cache() {
    return (DiskCacheBlobStore) store;
  }

  @Override
  protected boolean noTemporaryData() throws Exception {
    try (Stream<Path> a = Files.list(files.tempDirectory());
        Stream<Path> b = Files.list(dir.resolve("cache/tmp"))) {
      return a.findAny().isEmpty() && b.findAny().isEmpty();
    }
  }

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private StoredBlob put(byte[] content) throws IOException {
    return store.put(new ByteArrayInputStream(content), PutExpectation.any());
  }

  private byte[] read(Digest d) throws IOException {
    try (InputStream in = store.open(d).orElseThrow().openStream()) {
      return in.readAllBytes();
    }
  }

  private double counter(String name, String result) {
    var search = metrics.find(name);
    if (result != null) {
      search = search.tag("result", result);
    }
    return search.counter().count();
  }

  @Test
  void aSecondReadIsServedFromTheCachedFileWithoutAskingTheRemoteStore() throws Exception {
    byte[] content = bytes(100_000, 1);
    StoredBlob b = put(content);
    assertThat(read(b.digest())).isEqualTo(content);
    assertThat(remote.contentReads.get()).isEqualTo(1);
    int opensBefore = remote.opens.get();

    BlobReader hit = store.open(b.digest()).orElseThrow();
    assertThat(remote.opens.get()).as("a hit asks the remote store nothing").isEqualTo(opensBefore);
    assertThat(hit.size()).isEqualTo(content.length);
    assertThat(hit.localFile()).as("zero-copy from the cached file").isPresent();
    assertThat(hit.localFile().get()).startsWith(dir.resolve("cache"));
    assertThat(Files.readAllBytes(hit.localFile().get())).isEqualTo(content);
    try (InputStream in = hit.openRange(1000, 500)) {
      assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(content, 1000, 1500));
    }
    assertThat(read(b.digest())).isEqualTo(content);
    assertThat(remote.contentReads.get()).isEqualTo(1);
    assertThat(counter("berth_blob_cache", "miss")).isEqualTo(1);
    assertThat(counter("berth_blob_cache", "hit")).isEqualTo(2);
    assertThat(counter("berth_blob_cache_filled_bytes", null)).isEqualTo(content.length);
    assertThat(cache().cachedBytes()).isEqualTo(content.length);
  }

  @Test
  void aMissOffersTheFilledFileForZeroCopy() throws Exception {
    byte[] content = bytes(50_000, 2);
    StoredBlob b = put(content);
    BlobReader miss = store.open(b.digest()).orElseThrow();
    Optional<Path> file = miss.localFile();
    assertThat(file).isPresent();
    assertThat(Files.readAllBytes(file.get())).isEqualTo(content);
    assertThat(cache().cachedFile(b.digest())).isEqualTo(file);
    assertThat(remote.contentReads.get()).isEqualTo(1);
  }

  @Test
  void concurrentMissesOfOneBlobReadTheRemoteStoreOnce() throws Exception {
    byte[] content = bytes(200_000, 3);
    StoredBlob b = put(content);
    remote.slowReads = true;
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<byte[]>> reads = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        reads.add(pool.submit(() -> read(b.digest())));
      }
      for (Future<byte[]> f : reads) {
        assertThat(f.get(60, TimeUnit.SECONDS)).isEqualTo(content);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(remote.contentReads.get()).isEqualTo(1);
  }

  @Test
  void theLeastRecentlyReadBlobsAreEvictedAtTheBound() throws Exception {
    DiskCacheBlobStore small =
        new DiskCacheBlobStore(remote, dir.resolve("small-cache"), 100_000, 100_000, metrics);
    Digest a = put(bytes(30_000, 10)).digest();
    Digest b = put(bytes(30_000, 11)).digest();
    Digest c = put(bytes(30_000, 12)).digest();
    Digest d = put(bytes(30_000, 13)).digest();
    for (Digest x : List.of(a, b, c)) {
      small.open(x).orElseThrow().localFile();
      Thread.sleep(20); // distinct access times
    }
    small.open(a).orElseThrow().localFile(); // a is now more recent than b and c
    Thread.sleep(20);
    Path bFile = small.cachedFile(b).orElseThrow();
    assertThat(small.cachedBytes()).isEqualTo(90_000);

    small.open(d).orElseThrow().localFile();
    assertThat(small.cachedBytes()).isLessThanOrEqualTo(100_000);
    assertThat(small.cachedFile(b)).as("least recently read").isEmpty();
    assertThat(bFile).doesNotExist();
    assertThat(small.cachedFile(a)).isPresent();
    assertThat(small.cachedFile(c)).isPresent();
    assertThat(small.cachedFile(d)).isPresent();
    assertThat(metrics.find("berth_blob_cache_evictions").counter().count()).isEqualTo(1);
    try (InputStream in = small.open(b).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(bytes(30_000, 11));
    }
  }

  @Test
  void theReadOnceViewStreamsAMissFromTheRemoteStoreWithoutFillingAndServesAHitFromTheFile()
      throws Exception {
    BlobStore once = cache().withoutFillingOnMiss();
    byte[] cold = bytes(100_000, 11);
    StoredBlob c = put(cold);
    BlobReader miss = once.open(c.digest()).orElseThrow();
    assertThat(miss.size()).isEqualTo(cold.length);
    try (InputStream in = miss.openRange(10, 1000)) {
      assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(cold, 10, 1010));
    }
    assertThat(cache().cachedFile(c.digest())).as("a miss fills nothing").isEmpty();
    assertThat(cache().cachedBytes()).isZero();
    assertThat(counter("berth_blob_cache", "bypass")).isEqualTo(1);
    assertThat(counter("berth_blob_cache", "miss")).isZero();

    byte[] warm = bytes(100_000, 12);
    StoredBlob w = put(warm);
    assertThat(read(w.digest())).isEqualTo(warm);
    int contentReads = remote.contentReads.get();
    BlobReader hit = once.open(w.digest()).orElseThrow();
    try (InputStream in = hit.openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(warm);
    }
    assertThat(remote.contentReads.get()).as("a hit reads the cached file").isEqualTo(contentReads);
    assertThat(hit.localFile().orElseThrow()).startsWith(dir.resolve("cache"));
    assertThat(
            once.open(
                Digest.parse(
                    "sha256:0000000000000000000000000000000000000000000000000000000000000000")))
        .isEmpty();

    // every other method is the cache's: a delete through the view drops the cached copy too
    assertThat(once.delete(w.digest())).isTrue();
    assertThat(cache().cachedFile(w.digest())).isEmpty();
    assertThat(store.open(w.digest())).isEmpty();
  }

  @Test
  void blobsLargerThanTheLimitAreStreamedFromTheRemoteStoreAndNotCached() throws Exception {
    byte[] content = bytes(300_000, 4);
    StoredBlob b = put(content);
    BlobReader r = store.open(b.digest()).orElseThrow();
    assertThat(read(b.digest())).isEqualTo(content);
    assertThat(cache().cachedFile(b.digest())).isEmpty();
    assertThat(cache().cachedBytes()).isZero();
    assertThat(r.localFile().orElseThrow())
        .as("the remote store's own file")
        .startsWith(dir.resolve("remote"));
    assertThat(counter("berth_blob_cache", "bypass")).isEqualTo(2);
  }

  @Test
  void aTruncatedCachedFileIsDetectedByItsSizeAndFilledAgain() throws Exception {
    byte[] content = bytes(80_000, 5);
    StoredBlob b = put(content);
    read(b.digest());
    Path cached = cache().cachedFile(b.digest()).orElseThrow();
    Files.write(cached, java.util.Arrays.copyOf(content, 1000));
    assertThat(read(b.digest())).isEqualTo(content);
    assertThat(remote.contentReads.get()).isEqualTo(2);
    assertThat(Files.readAllBytes(cache().cachedFile(b.digest()).orElseThrow())).isEqualTo(content);

    Files.delete(cache().cachedFile(b.digest()).orElseThrow());
    assertThat(read(b.digest())).isEqualTo(content);
    assertThat(remote.contentReads.get()).isEqualTo(3);
  }

  @Test
  void contentThatDoesNotMatchItsDigestIsNeitherCachedNorServed() throws Exception {
    byte[] content = bytes(60_000, 6);
    StoredBlob b = put(content);
    byte[] rotten = content.clone();
    rotten[12_345] ^= 1;
    Files.write(files.pathOf(b.digest()), rotten);
    BlobReader r = store.open(b.digest()).orElseThrow();
    assertThatThrownBy(r::openStream)
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("does not match its digest");
    assertThatThrownBy(r::localFile).isInstanceOf(StorageException.class);
    assertThat(cache().cachedFile(b.digest())).isEmpty();
    assertThat(cache().cachedBytes()).isZero();
    assertThat(noTemporaryData()).isTrue();
    assertThat(metrics.find("berth_blob_cache_digest_mismatches").counter().count()).isEqualTo(2);

    Files.write(files.pathOf(b.digest()), content); // repaired (scrub)
    assertThat(read(b.digest())).isEqualTo(content);
    assertThat(cache().cachedFile(b.digest())).isPresent();
  }

  @Test
  void deleteAndQuarantineDropTheCachedCopy() throws Exception {
    StoredBlob a = put(bytes(10_000, 7));
    StoredBlob q = put(bytes(10_000, 8));
    read(a.digest());
    read(q.digest());
    Path aFile = cache().cachedFile(a.digest()).orElseThrow();
    Path qFile = cache().cachedFile(q.digest()).orElseThrow();

    assertThat(store.delete(a.digest())).isTrue();
    assertThat(aFile).doesNotExist();
    assertThat(cache().cachedFile(a.digest())).isEmpty();
    assertThat(store.open(a.digest())).isEmpty();

    assertThat(store.quarantine(q.digest())).isTrue();
    assertThat(qFile).doesNotExist();
    assertThat(store.open(q.digest())).isEmpty();
    assertThat(cache().cachedBytes()).isZero();
  }

  @Test
  void aDeleteWhileTheBlobIsBeingFilledKeepsItOutOfTheCache() throws Exception {
    StoredBlob b = put(bytes(100_000, 40));
    remote.gate = new CountDownLatch(1);
    CompletableFuture<Object> reading =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return read(b.digest());
              } catch (Exception e) {
                return e;
              }
            });
    await("the fill to start reading")
        .atMost(Duration.ofSeconds(30))
        .until(() -> remote.contentReads.get() == 1);
    assertThat(store.delete(b.digest())).isTrue();
    remote.gate.countDown();
    Object outcome = reading.get(60, TimeUnit.SECONDS);
    assertThat(outcome)
        .as("the fill was invalidated; the blob is gone")
        .isInstanceOf(Exception.class);
    assertThat(cache().cachedFile(b.digest())).isEmpty();
    assertThat(cache().cachedBytes()).isZero();
    try (Stream<Path> s = Files.walk(dir.resolve("cache/blobs"))) {
      assertThat(s.filter(Files::isRegularFile)).isEmpty();
    }
    assertThat(noTemporaryData()).isTrue();
  }

  @Test
  void writersAndMaintenanceSeeTheRemoteStoreNotTheCache() throws Exception {
    StoredBlob a = put(bytes(10_000, 9));
    read(a.digest());
    Files.delete(files.pathOf(a.digest())); // removed behind this node's back (another node's GC)
    assertThat(store.stat(a.digest())).isEmpty();
    assertThat(store.touch(a.digest())).isFalse();
    assertThat(store.reference(a.digest())).isFalse();
    List<StoredBlob> all = new ArrayList<>();
    store.forEach(all::add);
    assertThat(all).isEmpty();
  }

  @Test
  void aRestartKeepsTheCachedBlobsAndRemovesLeftovers() throws Exception {
    byte[] one = bytes(20_000, 20);
    byte[] two = bytes(30_000, 21);
    Digest d1 = put(one).digest();
    Digest d2 = put(two).digest();
    read(d1);
    read(d2);
    store.close();
    Path cacheDir = dir.resolve("cache");
    Files.writeString(cacheDir.resolve("tmp/crashed.part"), "half a blob");
    Path stray = cacheDir.resolve("blobs/sha256/00/" + "0".repeat(64) + "-99");
    Files.createDirectories(stray.getParent());
    Files.writeString(stray, "not 99 bytes");

    CountingStore remote2 = new CountingStore(new FileBlobStore(dir.resolve("remote")));
    SimpleMeterRegistry m2 = new SimpleMeterRegistry();
    store = new DiskCacheBlobStore(remote2, cacheDir, 1 << 20, 256 << 10, m2);
    assertThat(cache().cachedCount()).isEqualTo(2);
    assertThat(cache().cachedBytes()).isEqualTo(50_000);
    assertThat(cacheDir.resolve("tmp/crashed.part")).doesNotExist();
    assertThat(stray).doesNotExist();
    assertThat(read(d1)).isEqualTo(one);
    assertThat(read(d2)).isEqualTo(two);
    assertThat(remote2.opens.get()).isZero();
    assertThat(remote2.contentReads.get()).isZero();
  }

  @Test
  void aRestartWithASmallerBoundEvicts() throws Exception {
    for (int i = 0; i < 4; i++) {
      read(put(bytes(25_000, 30 + i)).digest());
    }
    store.close();
    store =
        new DiskCacheBlobStore(
            new CountingStore(new FileBlobStore(dir.resolve("remote"))),
            dir.resolve("cache"),
            60_000,
            60_000,
            new SimpleMeterRegistry());
    assertThat(cache().cachedBytes()).isLessThanOrEqualTo(60_000);
    try (Stream<Path> s = Files.walk(dir.resolve("cache/blobs"))) {
      assertThat(s.filter(Files::isRegularFile).count()).isEqualTo(cache().cachedCount());
    }
  }

  /** Delegates to a file store and counts opens and content reads. */
  /**
   * Fill-on-write (ADR 0026): a blob stored through the cache is kept in it as it is uploaded, so
   * the first read after a push, and the replicator's read-once view, read local disk and not the
   * remote store. A rejected put keeps nothing, a blob above the limit is not kept, a delete drops
   * the kept copy, and the kept copy survives a restart like any filled one.
   */
  @Test
  void withFillOnWriteABlobStoredThroughTheCacheIsReadFromLocalDiskAtOnce() throws Exception {
    Path cacheDir = dir.resolve("write-cache");
    DiskCacheBlobStore c =
        new DiskCacheBlobStore(remote, cacheDir, 1 << 20, 256 << 10, true, metrics);
    byte[] pushed = bytes(200_000, 21);
    StoredBlob b = c.put(new ByteArrayInputStream(pushed), PutExpectation.any());
    assertThat(c.cachedFile(b.digest())).isPresent();
    int reads = remote.contentReads.get();
    for (BlobStore view : List.of(c, c.withoutFillingOnMiss())) {
      BlobReader r = view.open(b.digest()).orElseThrow();
      assertThat(r.localFile().orElseThrow()).startsWith(cacheDir);
      try (InputStream in = r.openStream()) {
        assertThat(in.readAllBytes()).isEqualTo(pushed);
      }
    }
    assertThat(remote.contentReads.get()).as("no remote read after the put").isEqualTo(reads);
    try (InputStream in = files.open(b.digest()).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).as("and the remote store holds it").isEqualTo(pushed);
    }

    byte[] bad = bytes(100_000, 22);
    Digest other = Digest.of(Digest.Algorithm.SHA256, new byte[32]);
    assertThatThrownBy(() -> c.put(new ByteArrayInputStream(bad), PutExpectation.digest(other)))
        .isInstanceOf(io.berth.node.storage.BlobRejectedException.class);
    byte[] badHash = Digest.Algorithm.SHA256.newMessageDigest().digest(bad);
    assertThat(c.cachedFile(Digest.of(Digest.Algorithm.SHA256, badHash))).isEmpty();
    assertThat(c.cachedFile(other)).isEmpty();

    byte[] large = bytes(300_000, 23);
    StoredBlob l = c.put(new ByteArrayInputStream(large), PutExpectation.any());
    assertThat(c.cachedFile(l.digest())).as("above maxBlobBytes").isEmpty();
    assertThat(files.stat(l.digest())).isPresent();

    Path adopted = dir.resolve("upload.bin");
    byte[] uploaded = bytes(50_000, 24);
    Files.write(adopted, uploaded);
    StoredBlob a = c.adopt(adopted, PutExpectation.any());
    assertThat(c.cachedFile(a.digest())).as("an adopted upload is kept too").isPresent();

    try (Stream<Path> t = Files.list(cacheDir.resolve("tmp"))) {
      assertThat(t).as("no temporary files").isEmpty();
    }
    DiskCacheBlobStore restarted =
        new DiskCacheBlobStore(
            remote, cacheDir, 1 << 20, 256 << 10, true, new SimpleMeterRegistry());
    assertThat(restarted.cachedFile(b.digest())).as("kept across a restart").isPresent();
    assertThat(restarted.delete(b.digest())).isTrue();
    assertThat(restarted.cachedFile(b.digest())).isEmpty();
    assertThat(restarted.open(b.digest())).isEmpty();
  }

  static final class CountingStore extends ForwardingBlobStore {
    final AtomicInteger opens = new AtomicInteger();
    final AtomicInteger contentReads = new AtomicInteger();
    volatile boolean slowReads;
    volatile CountDownLatch gate;

    CountingStore(BlobStore inner) {
      super(inner);
    }

    /** Streams the file through {@link #put}, as the interface's default adopt does. */
    @Override
    public StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
      return adoptThroughPut(file, expectation);
    }

    @Override
    public Optional<BlobReader> open(Digest digest) {
      opens.incrementAndGet();
      return super.open(digest)
          .map(
              r ->
                  new BlobReader() {
                    @Override
                    public long size() {
                      return r.size();
                    }

                    @Override
                    public InputStream openRange(long offset, long length) throws IOException {
                      contentReads.incrementAndGet();
                      if (slowReads) {
                        try {
                          Thread.sleep(300); // the other readers arrive meanwhile
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      CountDownLatch g = gate;
                      InputStream in = r.openRange(offset, length);
                      if (g == null) {
                        return in;
                      }
                      return new java.io.FilterInputStream(in) {
                        @Override
                        public int read(byte[] b, int off, int len) throws IOException {
                          try {
                            g.await(); // the content is being read until the test opens the gate
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          return super.read(b, off, len);
                        }
                      };
                    }

                    @Override
                    public Optional<Path> localFile() {
                      return r.localFile();
                    }
                  });
    }
  }
}
