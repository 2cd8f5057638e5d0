package io.berth.node.gc;

import io.berth.common.Digest;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.ForwardingBlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;

/**
 * The blob store writers use: every {@link #put} and {@link #touch} refreshes the blob's time and
 * records the digest in {@link RecentWrites} under the digest's GC lock: a put when the store has
 * verified the content, before the blob is visible; a touch (and a put into a store that does not
 * report its verified digest) afterwards, followed by a check that the blob is still there. So a
 * blob a writer is about to reference is either seen by garbage collection as just written (and
 * kept), or was deleted before the writer's check, which then fails with a retryable {@link
 * StorageException} before any index entry is written (ADR 0008).
 */
public final class GuardedBlobStore extends ForwardingBlobStore {
  private final RecentWrites writes;

  public GuardedBlobStore(BlobStore inner, RecentWrites writes) {
    super(inner);
    this.writes = writes;
  }

  /**
   * Stores through the inner store, recording the digest as soon as the store has verified it and
   * before the blob is visible under its final key. So a collection that lists the new blob before
   * the writer returns (its modified time, the time of the last write to its temporary file, can be
   * older than the run's cutoff when the grace period is shorter than the store's fsyncs) still
   * keeps it. A digest known in advance (OCI pushes) is recorded before storing too. A store that
   * does not report its verified digest (see {@link PutExpectation#verify}) gets the older check
   * instead: the digest is recorded after the put, and the blob must still be there (one more stat,
   * a HEAD on S3), else the put fails with a retryable {@link StorageException}.
   */
  @Override
  public StoredBlob put(InputStream in, PutExpectation expectation) throws IOException {
    return guarded(expectation, e -> delegate().put(in, e));
  }

  /** Like {@link #put}: the inner store adopts the file, and the digest is guarded the same way. */
  @Override
  public StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
    return guarded(expectation, e -> delegate().adopt(file, e));
  }

  private interface Store {
    StoredBlob run(PutExpectation expectation) throws IOException;
  }

  private StoredBlob guarded(PutExpectation expectation, Store store) throws IOException {
    if (expectation.digest() != null) {
      writes.record(expectation.digest(), () -> null);
    }
    boolean[] told = {false};
    StoredBlob b =
        store.run(
            expectation.whenVerified(
                d -> {
                  writes.record(d, () -> null);
                  told[0] = true;
                }));
    if (told[0]) {
      // recorded before the blob was visible: no run on this node can have deleted it since
      return b;
    }
    if (!reference(b.digest())) {
      throw new StorageException(
          "blob " + b.digest() + " was removed by garbage collection while being stored; retry");
    }
    return b;
  }

  /**
   * Re-references a stored blob without uploading it (an OCI cross-repository mount, a push of a
   * layer that exists): refreshes its time and protects it from a concurrent GC.
   *
   * @return false if the blob is not stored (the caller uploads it instead)
   */
  @Override
  public boolean touch(Digest digest) {
    if (!delegate().touch(digest)) {
      return false;
    }
    return writes.record(digest, () -> delegate().stat(digest).isPresent());
  }

  /**
   * Records a blob a writer is about to name in an index entry, and checks under GC's lock that it
   * is still stored: from here on a garbage collection on this node keeps it (ADR 0008).
   *
   * @return false if the blob is not stored
   */
  @Override
  public boolean reference(Digest digest) {
    return writes.record(digest, () -> delegate().stat(digest).isPresent());
  }
}
