package io.berth.node.index;

import java.time.Duration;

/**
 * Lets a read that missed wait until this node's index has applied what the other nodes of its
 * region had already written to the region log (read-your-writes across nodes, bounded).
 *
 * <p>Contract: {@link #await} never blocks longer than {@code max}; it reports {@link
 * Outcome#CURRENT} at once when the index is not behind the log's current end, and {@link
 * Outcome#UNAVAILABLE} at once when there is no region log or it cannot be reached.
 */
@FunctionalInterface
public interface RegionCatchUp {

  /** What a wait found. */
  enum Outcome {
    /** The index was not behind the log: nothing to wait for. */
    CURRENT,
    /** The index was behind and caught up with the log's end within the limit. */
    CAUGHT_UP,
    /** The index was still behind when the limit ran out. */
    TIMED_OUT,
    /** No region log, or it did not answer. */
    UNAVAILABLE
  }

  /** A node without a region log: never waits. */
  RegionCatchUp NONE = max -> Outcome.UNAVAILABLE;

  /** Waits up to {@code max} for the index to apply everything the log holds now. */
  Outcome await(Duration max) throws InterruptedException;
}
