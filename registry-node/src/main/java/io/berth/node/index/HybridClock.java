package io.berth.node.index;

import io.berth.common.Hlc;
import java.util.function.LongSupplier;

/**
 * A hybrid logical clock. {@link #now()} is strictly monotonic even when the physical clock goes
 * backwards (the logical counter advances), {@link #observe} merges a remote reading so later local
 * events order after it, and the clock starts from the last persisted reading so it survives
 * restarts. A remote reading far ahead of the local physical clock is still merged (ordering must
 * not break), but counted in {@link #skewedObservations()} so operators see the skew.
 */
public final class HybridClock {
  private final LongSupplier physical;
  private final long maxSkewMillis;
  private Hlc last;
  private long skewed;

  public HybridClock(LongSupplier physicalMillis, Hlc persisted, long maxSkewMillis) {
    this.physical = physicalMillis;
    this.last = persisted == null ? Hlc.ZERO : persisted;
    this.maxSkewMillis = maxSkewMillis;
  }

  /** A new reading, after every reading this clock has produced or observed. */
  public synchronized Hlc now() {
    long pt = physical.getAsLong();
    last = pt > last.wallMillis() ? new Hlc(pt, 0) : new Hlc(last.wallMillis(), last.logical() + 1);
    return last;
  }

  /** Merges a remote reading; the returned reading is after both. */
  public synchronized Hlc observe(Hlc remote) {
    long pt = physical.getAsLong();
    if (remote.wallMillis() - pt > maxSkewMillis) {
      skewed++;
    }
    long wall = Math.max(pt, Math.max(last.wallMillis(), remote.wallMillis()));
    int logical;
    if (wall == last.wallMillis() && wall == remote.wallMillis()) {
      logical = Math.max(last.logical(), remote.logical()) + 1;
    } else if (wall == last.wallMillis()) {
      logical = last.logical() + 1;
    } else if (wall == remote.wallMillis()) {
      logical = remote.logical() + 1;
    } else {
      logical = 0;
    }
    last = new Hlc(wall, logical);
    return last;
  }

  public synchronized Hlc last() {
    return last;
  }

  /** How many observed readings were further ahead of the local clock than the allowed skew. */
  public synchronized long skewedObservations() {
    return skewed;
  }
}
