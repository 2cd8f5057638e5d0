package io.berth.node.gc;

import io.berth.common.Digest;
import java.util.function.Consumer;

/**
 * A source of blob references for garbage collection's mark phase: one implementation per kind of
 * index entry that names blobs (Go module versions, sumdb objects, OCI manifests and blob links).
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #forEachReferencedDigest} visits the digest of every blob that an entry committed to
 *       this node's index before the call names. Visiting a digest more than once, or a digest that
 *       is not stored, is allowed.
 *   <li>{@link #mark} is what a run calls: the same, except that entries which keep a blob alive
 *       only for a while (an OCI blob link that no manifest names: a push whose manifest has not
 *       arrived yet) are visited only if written at or after the run's cutoff ({@code now -
 *       grace}).
 *   <li>It must not skip entries: if it cannot read the index it throws (any {@link
 *       RuntimeException}); garbage collection then deletes nothing in that run.
 *   <li>It is called from the GC thread while the node serves traffic, so it reads a consistent
 *       view (an iterator or snapshot) and never blocks writers for long. Writers that reference a
 *       blob after the view was taken are protected by the writer handshake ({@link
 *       GuardedBlobStore}), not by this source.
 * </ul>
 */
public interface BlobReferences {

  /** A short name for logs and reports, e.g. {@code go-modules}. */
  String name();

  /** Visits every referenced digest, whatever its age (see the class contract). */
  void forEachReferencedDigest(Consumer<Digest> visitor);

  /**
   * Visits the digests that keep their blobs alive in a run whose cutoff is {@code cutoffMillis}.
   * The default visits everything {@link #forEachReferencedDigest} does.
   */
  default void mark(long cutoffMillis, Consumer<Digest> visitor) {
    forEachReferencedDigest(visitor);
  }
}
