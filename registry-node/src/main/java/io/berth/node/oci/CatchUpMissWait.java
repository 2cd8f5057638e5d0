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
 * end and answers from the index.
 *
 * <p>An event can also still be on its way from the writing node to the log (its relay publishes a
 * few milliseconds after the write was acknowledged), so a miss is looked for again after the
 * catch-up: a digest whose bytes are in the shared store (strong evidence that a push is under way)
 * until {@code maxWait} has passed, a tag (no evidence) for {@code tagGrace}. Without a reachable
 * log it never waits, so a real miss of a tag costs at most {@code tagGrace} plus one round trip to
 * the log (later looks read only the index).
 */
public final class CatchUpMissWait implements OciMissWait {
  private static final long LOOK_AGAIN_MILLIS = 3;

  private final OciIndex index;
  private final BlobStore blobs;
  private final RegionCatchUp catchUp;
  private final Duration maxWait;
  private final Duration tagGrace;

  public CatchUpMissWait(
      OciIndex index, BlobStore blobs, RegionCatchUp catchUp, Duration maxWait, Duration tagGrace) {
    this.index = index;
    this.blobs = blobs;
    this.catchUp = catchUp;
    this.maxWait = maxWait;
    this.tagGrace = tagGrace.compareTo(maxWait) > 0 ? maxWait : tagGrace;
  }

  @Override
  public boolean manifest(RepositoryName repository, String reference) {
    Optional<Digest> digest =
        Digest.isValid(reference) ? Optional.of(Digest.parse(reference)) : Optional.empty();
    if (digest.isPresent() && blobs.stat(digest.get()).isEmpty()) {
      return false;
    }
    Duration lookFor = digest.isPresent() ? maxWait : tagGrace;
    return lookFor(
        lookFor,
        () -> {
          Optional<Digest> d =
              digest.isPresent() ? digest : index.tag(repository, Tag.parse(reference));
          return d.isPresent() && index.manifest(repository, d.get()).isPresent();
        });
  }

  @Override
  public boolean blob(RepositoryName repository, Digest digest) {
    if (blobs.stat(digest).isEmpty()) {
      return false;
    }
    return lookFor(maxWait, () -> index.blobLink(repository, digest).isPresent());
  }

  /**
   * Catches up with the log (up to {@code maxWait}), then looks for the content until it is found
   * or {@code lookFor} has passed since the start. False at once when the log is unavailable.
   *
   * <p>The log's end is asked for once per miss: once the index holds what the log held when the
   * miss was seen, events that reach the log later are applied by the running applier, so looking
   * again only reads the index. (Asking the log again on every look made each waiting miss send the
   * broker hundreds of offset queries per second.)
   */
  private boolean lookFor(Duration lookFor, java.util.function.BooleanSupplier found) {
    long start = System.nanoTime();
    long lookEnd = start + lookFor.toNanos();
    try {
      RegionCatchUp.Outcome o = catchUp.await(maxWait);
      if (o == RegionCatchUp.Outcome.UNAVAILABLE) {
        return false;
      }
      if (found.getAsBoolean()) {
        return true;
      }
      if (o == RegionCatchUp.Outcome.TIMED_OUT) {
        return false;
      }
      while (System.nanoTime() < lookEnd) {
        Thread.sleep(LOOK_AGAIN_MILLIS);
        if (found.getAsBoolean()) {
          return true;
        }
      }
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }
}
