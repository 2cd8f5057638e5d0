package io.berth.node.index;

import io.berth.common.Hlc;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A hybrid logical clock. {@link #now()} is strictly monotonic even when the physical clock goes
 * backwards (the logical counter advances), {@link #observe} merges a remote reading so later local
 * events order after it, and the clock starts from the last persisted reading so it survives
 * restarts. A remote reading more than {@code maxSkewMillis} ahead of the local physical clock (a
 * node with a bad clock, or a forged event) is not adopted as is: it is clamped to physical time
 * plus {@code maxSkewMillis}, counted in {@link #skewedObservations()} and logged once, so one bad
 * reading cannot stamp far-future times into every later write (and the persisted reading) for
 * good. Within the bound, remote readings are merged exactly.
 */
public final class HybridClock {
  private static final Logger log = LoggerFactory.getLogger(HybridClock.class);

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

  /**
   * Merges a remote reading; the returned reading is after both, or, for a reading more than {@code
   * maxSkewMillis} ahead of the physical clock, after this clock's last reading and after physical
   * time plus {@code maxSkewMillis} (the reading is clamped there and counted).
   */
  public synchronized Hlc observe(Hlc remote) {
    long pt = physical.getAsLong();
    long limit = pt + maxSkewMillis;
    if (remote.wallMillis() > limit) {
      if (skewed++ == 0) {
        log.warn(
            "a remote clock reading {} ms ahead of this node's clock (more than the allowed {} ms)"
                + " was clamped; check the clocks of the nodes (counted in"
                + " berth_hlc_skewed_readings, logged once)",
            remote.wallMillis() - pt,
            maxSkewMillis);
      }
      remote = new Hlc(limit, 0);
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
