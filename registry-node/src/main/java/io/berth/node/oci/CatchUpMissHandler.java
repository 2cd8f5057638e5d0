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
 * yet. On such a miss this handler first asks {@code delegate} (an upstream cache, if any), then,
 * if the content may exist (a digest whose bytes are in the shared store, or any tag), waits up to
 * {@code maxWait} for the index to catch up with the region log's current end and answers from the
 * index. It never waits when the index is not behind the log, or when there is no log, so a real
 * miss (a client probing before a push) costs one round trip to the log at most.
 */
public final class CatchUpMissHandler implements OciMissHandler {
  private final OciMissHandler delegate;
  private final OciIndex index;
  private final BlobStore blobs;
  private final RegionCatchUp catchUp;
  private final Duration maxWait;

  public CatchUpMissHandler(
      OciMissHandler delegate,
      OciIndex index,
      BlobStore blobs,
      RegionCatchUp catchUp,
      Duration maxWait) {
    this.delegate = delegate;
    this.index = index;
    this.blobs = blobs;
    this.catchUp = catchUp;
    this.maxWait = maxWait;
  }

  @Override
  public boolean fillManifest(RepositoryName repository, String reference) {
    if (delegate.fillManifest(repository, reference)) {
      return true;
    }
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
  public boolean fillBlob(RepositoryName repository, Digest digest) {
    if (delegate.fillBlob(repository, digest)) {
      return true;
    }
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
