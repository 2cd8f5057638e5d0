package io.berth.node.oci;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.OciIndex;
import io.berth.node.index.RegionCatchUp;
import io.berth.node.storage.BlobStore;
import java.time.Duration;
import java.util.Optional;

/**
 * Read-your-writes across the nodes of a region, bounded: a manifest or blob that this node's index
 * lacks may have just been pushed to another node whose change events this node has not applied
 * yet. If the content may exist (a digest whose bytes are in the region's shared store, or any
 * tag), this waits up to {@code maxWait} for the index to catch up with the region log's current
 * end and answers from the index. It never waits when the index is not behind the log, or when
 * there is no log, so a real miss (a client probing before a push) costs one round trip to the log
 * at most.
 */
public final class CatchUpMissWait implements OciMissWait {
  private final OciIndex index;
  private final BlobStore blobs;
  private final RegionCatchUp catchUp;
  private final Duration maxWait;

  public CatchUpMissWait(OciIndex index, BlobStore blobs, RegionCatchUp catchUp, Duration maxWait) {
    this.index = index;
    this.blobs = blobs;
    this.catchUp = catchUp;
    this.maxWait = maxWait;
  }

  @Override
  public boolean manifest(RepositoryName repository, String reference) {
    Optional<Digest> digest =
        Digest.isValid(reference) ? Optional.of(Digest.parse(reference)) : Optional.empty();
    if (digest.isPresent() && blobs.stat(digest.get()).isEmpty()) {
      return false;
    }
    if (!waited()) {
      return false;
    }
    Optional<Digest> d = digest.isPresent() ? digest : index.tag(repository, Tag.parse(reference));
    return d.isPresent() && index.manifest(repository, d.get()).isPresent();
  }

  @Override
  public boolean blob(RepositoryName repository, Digest digest) {
    if (blobs.stat(digest).isEmpty() || !waited()) {
      return false;
    }
    return index.blobLink(repository, digest).isPresent();
  }

  /** Whether the index was behind and applied more while waiting. */
  private boolean waited() {
    try {
      RegionCatchUp.Outcome o = catchUp.await(maxWait);
      return o == RegionCatchUp.Outcome.CAUGHT_UP || o == RegionCatchUp.Outcome.TIMED_OUT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
