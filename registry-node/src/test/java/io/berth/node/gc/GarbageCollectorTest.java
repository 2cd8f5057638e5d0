package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import io.berth.node.storage.file.FileBlobStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The collector's rules on a real file store with a hand-made reference set. */
class GarbageCollectorTest {
  @TempDir Path dir;
  FileBlobStore files;
  RecentWrites writes;
  GuardedBlobStore store;
  Set<Digest> referenced;
  GarbageCollector gc;

  @BeforeEach
  void setUp() {
    files = new FileBlobStore(dir);
    writes = new RecentWrites(Duration.ofMinutes(10), 1000);
    store = new GuardedBlobStore(files, writes);
    referenced = ConcurrentHashMap.newKeySet();
    BlobReferences refs =
        new BlobReferences() {
          @Override
          public String name() {
            return "test";
          }

          @Override
          public void forEachReferencedDigest(java.util.function.Consumer<Digest> visitor) {
            referenced.forEach(visitor);
          }
        };
    gc =
        new GarbageCollector(
            store,
            writes,
            List.of(refs),
            Duration.ofHours(1),
            Clock.systemUTC(),
            new SimpleMeterRegistry());
  }

  private StoredBlob old(byte[] content) throws Exception {
    StoredBlob b = files.put(new ByteArrayInputStream(content), PutExpectation.any());
    Files.setLastModifiedTime(
        files.pathOf(b.digest()), FileTime.fromMillis(System.currentTimeMillis() - 7_200_000));
    return b;
  }

  @Test
  void deletesOnlyOldUnreferencedBlobsAndDryRunOnlyReports() throws Exception {
    StoredBlob orphan = old(new byte[] {1});
    StoredBlob kept = old(new byte[] {2});
    referenced.add(kept.digest());
    StoredBlob young = files.put(new ByteArrayInputStream(new byte[] {3}), PutExpectation.any());

    GcReport dry = gc.run(true, () -> true);
    assertThat(dry.deleted())
        .extracting(GcReport.Deleted::digest)
        .containsExactly(orphan.digest().toString());
    assertThat(files.stat(orphan.digest())).isPresent();

    GcReport real = gc.run(false, () -> true);
    assertThat(real.deletedBlobs()).isEqualTo(1);
    assertThat(real.deletedBytes()).isEqualTo(1);
    assertThat(files.stat(orphan.digest())).isEmpty();
    assertThat(files.stat(kept.digest())).isPresent();
    assertThat(files.stat(young.digest())).isPresent();
  }

  @Test
  void aBlobReputByAWriterIsKeptEvenThoughItWasOld() throws Exception {
    StoredBlob b = old(new byte[] {4, 5});
    store.put(new ByteArrayInputStream(new byte[] {4, 5}), PutExpectation.any());
    assertThat(gc.run(false, () -> true).deletedBlobs()).isZero();
    assertThat(files.stat(b.digest())).isPresent();
  }

  @Test
  void aRecordedWriteIsKeptEvenWithAnOldTime() throws Exception {
    StoredBlob b = old(new byte[] {6});
    writes.record(b.digest(), () -> null);
    assertThat(gc.run(false, () -> true).keptRecentlyWritten()).isEqualTo(1);
    assertThat(files.stat(b.digest())).isPresent();
  }

  @Test
  void aWriterWhoseBlobWasDeletedUnderItFailsRetryably() throws Exception {
    // a store that does not report its verified digest gets the check after the put; GC's delete
    // lands between the writer's refresh (inside put) and that check
    GuardedBlobStore guarded =
        new GuardedBlobStore(
            new AfterPut(files, b -> files.delete(b.digest())) {
              @Override
              public StoredBlob put(java.io.InputStream in, PutExpectation e)
                  throws java.io.IOException {
                return super.put(
                    in,
                    new PutExpectation(
                        e.digest(), e.algorithm(), e.size(), e.maxSize(), null, null));
              }
            },
            writes);
    assertThatThrownBy(
            () -> guarded.put(new ByteArrayInputStream(new byte[] {7}), PutExpectation.any()))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("garbage collection");
  }

  @Test
  void aPutIntoAStoreThatReportsItsVerifiedDigestIsNotCheckedAgain() throws Exception {
    // the digest was recorded before the blob became visible, so no stat (a HEAD on S3) follows
    int[] stats = {0};
    GuardedBlobStore guarded =
        new GuardedBlobStore(
            new io.berth.node.storage.ForwardingBlobStore(files) {
              @Override
              public java.util.Optional<StoredBlob> stat(Digest d) {
                stats[0]++;
                return super.stat(d);
              }
            },
            writes);
    StoredBlob b = guarded.put(new ByteArrayInputStream(new byte[] {9, 9}), PutExpectation.any());
    assertThat(stats[0]).isZero();
    assertThat(writes.isRecent(b.digest())).isTrue();
    assertThat(files.stat(b.digest())).isPresent();
  }

  @Test
  void aRunBetweenTheStoresRenameAndThePutsReturnKeepsTheNewBlob() throws Exception {
    // the new blob is visible with a time older than the cutoff (the last write to its temporary
    // file, before the store's fsyncs) and the writer has not returned yet: the store told the
    // guard the verified digest before the rename, so this run keeps it and the put succeeds
    GcReport[] during = new GcReport[1];
    GuardedBlobStore guarded =
        new GuardedBlobStore(
            new AfterPut(
                files,
                b -> {
                  try {
                    Files.setLastModifiedTime(
                        files.pathOf(b.digest()),
                        FileTime.fromMillis(System.currentTimeMillis() - 7_200_000));
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  }
                  during[0] = gc.run(false, () -> true);
                }),
            writes);
    StoredBlob b =
        guarded.put(new ByteArrayInputStream(new byte[] {7, 7, 7}), PutExpectation.any());
    assertThat(during[0].deletedBlobs()).isZero();
    assertThat(during[0].keptRecentlyWritten()).isEqualTo(1);
    assertThat(files.stat(b.digest())).isPresent();
  }

  @Test
  void lostOwnershipStopsBeforeDeleting() throws Exception {
    StoredBlob orphan = old(new byte[] {8});
    GcReport r = gc.run(false, () -> false);
    assertThat(r.aborted()).isNotEmpty();
    assertThat(files.stat(orphan.digest())).isPresent();
  }

  @Test
  void aFailingReferenceSourceDeletesNothing() throws Exception {
    StoredBlob orphan = old(new byte[] {9});
    GarbageCollector broken =
        new GarbageCollector(
            store,
            writes,
            List.of(
                new BlobReferences() {
                  @Override
                  public String name() {
                    return "broken";
                  }

                  @Override
                  public void forEachReferencedDigest(java.util.function.Consumer<Digest> v) {
                    throw new IllegalStateException("index unreadable");
                  }
                }),
            Duration.ofHours(1),
            Clock.systemUTC(),
            new SimpleMeterRegistry());
    assertThatThrownBy(() -> broken.run(false, () -> true)).hasMessageContaining("unreadable");
    assertThat(files.stat(orphan.digest())).isPresent();
  }

  private GarbageCollector collector(RecentWrites w, BlobReferences refs) {
    return new GarbageCollector(
        new GuardedBlobStore(files, w),
        w,
        List.of(refs),
        Duration.ofHours(1),
        Clock.systemUTC(),
        new SimpleMeterRegistry());
  }

  /** References that run {@code duringMark} while the collector marks (a writer racing it). */
  private static BlobReferences racing(Runnable duringMark) {
    return new BlobReferences() {
      @Override
      public String name() {
        return "racing";
      }

      @Override
      public void forEachReferencedDigest(java.util.function.Consumer<Digest> visitor) {
        duringMark.run();
      }
    };
  }

  @Test
  void aBlobReferencedDuringTheRunIsKeptHoweverShortTheRetention() throws Exception {
    StoredBlob b = old(new byte[] {10});
    // retention so short that the record has expired by the time the sweep reaches the blob: the
    // run itself still remembers it (a writer named the blob while the mark phase was reading)
    RecentWrites w = new RecentWrites(Duration.ofNanos(1), 1000);
    GuardedBlobStore writer = new GuardedBlobStore(files, w);
    GcReport r =
        collector(
                w,
                racing(
                    () -> {
                      assertThat(writer.reference(b.digest())).isTrue();
                      sleep(5);
                    }))
            .run(false, () -> true);
    assertThat(w.isRecent(b.digest())).as("retention expired").isFalse();
    assertThat(r.keptRecentlyWritten()).isEqualTo(1);
    assertThat(files.stat(b.digest())).isPresent();
  }

  @Test
  void aRunThatCannotTrackTheWritesStopsDeleting() throws Exception {
    StoredBlob orphan = old(new byte[] {11});
    RecentWrites w = new RecentWrites(Duration.ofNanos(1), 2);
    GcReport r =
        collector(
                w,
                racing(
                    () -> {
                      for (int i = 0; i < 5; i++) {
                        w.record(Digest.sha256(new byte[] {(byte) i, 99}), () -> null);
                      }
                    }))
            .run(false, () -> true);
    assertThat(r.aborted()).contains("too many");
    assertThat(r.deletedBlobs()).isZero();
    assertThat(files.stat(orphan.digest())).isPresent();
  }

  @Test
  void referenceRecordsTheBlobAndReportsAMissingOne() throws Exception {
    StoredBlob b = old(new byte[] {12});
    assertThat(store.reference(b.digest())).isTrue();
    assertThat(writes.isRecent(b.digest())).isTrue();
    assertThat(store.reference(Digest.sha256(new byte[] {13}))).isFalse();
    assertThat(gc.run(false, () -> true).deletedBlobs()).isZero();
    assertThat(files.stat(b.digest())).isPresent();
  }

  @Test
  void referenceSourcesAreAskedWithTheRunsCutoff() throws Exception {
    java.util.concurrent.atomic.AtomicLong seen = new java.util.concurrent.atomic.AtomicLong();
    BlobReferences refs =
        new BlobReferences() {
          @Override
          public String name() {
            return "cutoff";
          }

          @Override
          public void forEachReferencedDigest(java.util.function.Consumer<Digest> visitor) {
            throw new AssertionError("a run marks with its cutoff");
          }

          @Override
          public void mark(long cutoffMillis, java.util.function.Consumer<Digest> visitor) {
            seen.set(cutoffMillis);
          }
        };
    long before = System.currentTimeMillis();
    collector(writes, refs).run(true, () -> true);
    assertThat(seen.get())
        .isBetween(before - 3_600_000, System.currentTimeMillis() - 3_600_000 + 1);
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A store that runs {@code then} right after each put (an adopted file streams through put, as
   * with the interface's default), before the put returns. It leaves {@code inner} open.
   */
  static class AfterPut extends io.berth.node.storage.ForwardingBlobStore {
    private final java.util.function.Consumer<StoredBlob> then;

    AfterPut(FileBlobStore inner, java.util.function.Consumer<StoredBlob> then) {
      super(inner);
      this.then = then;
    }

    @Override
    public StoredBlob put(java.io.InputStream in, PutExpectation e) throws java.io.IOException {
      StoredBlob b = super.put(in, e);
      then.accept(b);
      return b;
    }

    @Override
    public StoredBlob adopt(Path file, PutExpectation e) throws java.io.IOException {
      return adoptThroughPut(file, e);
    }

    @Override
    public void close() {}
  }
}
