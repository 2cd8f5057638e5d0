package io.berth.node.gc;

import io.berth.common.Digest;
import java.util.function.Consumer;

/**
 * A source of blob references for garbage collection's mark phase: one implementation per kind of
 * index entry that names blobs (Go module versions, sumdb objects, and for OCI manifests, tags,
 * per-repository blob links and live upload sessions).
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #forEachReferencedDigest} visits the digest of every blob that an entry committed to
 *       this node's index before the call names, plus every blob an in-progress write known to the
 *       source (an open upload session) has stored or will reference. Visiting a digest more than
 *       once, or a digest that is not stored, is allowed.
 *   <li>It must not skip entries: if it cannot read the index it throws (any {@link
 *       RuntimeException}); garbage collection then deletes nothing in that run.
 *   <li>It is called from the GC thread while the node serves traffic, so it reads a consistent
 *       view (an iterator or snapshot) and never blocks writers for long.
 * </ul>
 */
public interface BlobReferences {

  /** A short name for logs and reports, e.g. {@code go-modules}. */
  String name();

  /** Visits every referenced digest (see the class contract). */
  void forEachReferencedDigest(Consumer<Digest> visitor);
}
