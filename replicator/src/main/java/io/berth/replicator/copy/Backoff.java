package io.berth.replicator.copy;

import java.util.concurrent.ThreadLocalRandom;

/**
 * Bounded exponential backoff: 100 ms doubling up to a cap (5 s by default), with up to 20 % jitter
 * so instances retrying the same failure spread out. Not thread-safe; one per loop.
 */
public final class Backoff {
  private final long initialMillis;
  private final long maxMillis;
  private long next;

  public Backoff() {
    this(100, 5_000);
  }

  public Backoff(long initialMillis, long maxMillis) {
    this.initialMillis = initialMillis;
    this.maxMillis = maxMillis;
    this.next = initialMillis;
  }

  /** The delay before the next attempt; each call doubles the following one up to the cap. */
  public long nextDelayMillis() {
    long d = next;
    next = Math.min(maxMillis, next * 2);
    long jitter = d / 5 == 0 ? 0 : ThreadLocalRandom.current().nextLong(d / 5 + 1);
    return Math.min(maxMillis, d + jitter);
  }

  /** Sleeps for {@link #nextDelayMillis()}. */
  public void pause() throws InterruptedException {
    Thread.sleep(nextDelayMillis());
  }

  /** After a success: the next failure waits the initial delay again. */
  public void reset() {
    next = initialMillis;
  }
}
