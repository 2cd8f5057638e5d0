package io.berth.node.gc;

import java.util.Optional;

/**
 * Whether sweeping (deleting blobs) is safe now. Marking is only as complete as this node's index:
 * on storage other nodes write to (a bucket, a shared directory), a blob that only another node's
 * index names looks unreferenced here unless this node applies the region's change log and has
 * caught up, and two collectors must never sweep the same storage at once (ADR 0008).
 *
 * <p>Contract: {@link #check} is cheap, side-effect free and may be called before every run; it
 * returns empty when a sweep may delete, else the refusal. Dry runs do not consult it.
 */
@FunctionalInterface
public interface GcSafety {

  /**
   * Why garbage collection refuses to delete now.
   *
   * @param code a short stable identifier for metrics ({@code no_single_owner}, ...)
   * @param reason a sentence for logs, the status API and the CLI, naming what to do
   */
  record Refusal(String code, String reason) {}

  /** Empty when a sweep is safe now. */
  Optional<Refusal> check();

  /** For storage only this node writes to: always safe. */
  static GcSafety ownStorage() {
    return Optional::empty;
  }
}
