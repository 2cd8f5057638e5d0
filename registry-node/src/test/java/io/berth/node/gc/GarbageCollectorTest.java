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
    // GC's delete lands between the writer's refresh (inside put) and the guarded check
    GuardedBlobStore guarded = new GuardedBlobStore(new DeletingAfterPut(files), writes);
    assertThatThrownBy(
            () -> guarded.put(new ByteArrayInputStream(new byte[] {7}), PutExpectation.any()))
        .isInstanceOf(StorageException.class)
        .hasMessageContaining("garbage collection");
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

  /** A store whose put is immediately followed by a (GC) delete of the same blob. */
  record DeletingAfterPut(FileBlobStore inner) implements io.berth.node.storage.BlobStore {
    @Override
    public StoredBlob put(java.io.InputStream in, PutExpectation e) throws java.io.IOException {
      StoredBlob b = inner.put(in, e);
      inner.delete(b.digest());
      return b;
    }

    @Override
    public java.util.Optional<StoredBlob> stat(Digest d) {
      return inner.stat(d);
    }

    @Override
    public java.util.Optional<io.berth.node.storage.BlobReader> open(Digest d) {
      return inner.open(d);
    }

    @Override
    public boolean delete(Digest d) {
      return inner.delete(d);
    }

    @Override
    public boolean touch(Digest d) {
      return inner.touch(d);
    }

    @Override
    public boolean quarantine(Digest d) {
      return inner.quarantine(d);
    }

    @Override
    public void forEach(java.util.function.Consumer<StoredBlob> v) {
      inner.forEach(v);
    }

    @Override
    public int cleanupIncomplete() {
      return inner.cleanupIncomplete();
    }

    @Override
    public void close() {}
  }
}
