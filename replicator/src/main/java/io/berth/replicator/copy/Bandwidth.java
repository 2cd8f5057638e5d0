package io.berth.replicator.copy;

/**
 * A token bucket limiting a link's blob copies to {@code bytesPerSecond} (shared by its concurrent
 * copies), with a burst of one second's worth. A rate of 0 means unlimited.
 */
public final class Bandwidth {
  /** Time source and sleeper, so the arithmetic can be tested without waiting. */
  interface Clock {
    long nanoTime();

    void sleepNanos(long nanos) throws InterruptedException;
  }

  private static final Clock SYSTEM =
      new Clock() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public void sleepNanos(long nanos) throws InterruptedException {
          Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        }
      };

  private final long rate;
  private final Clock clock;
  private double tokens;
  private long last;

  public Bandwidth(long bytesPerSecond) {
    this(bytesPerSecond, SYSTEM);
  }

  Bandwidth(long bytesPerSecond, Clock clock) {
    this.rate = bytesPerSecond;
    this.clock = clock;
    this.tokens = bytesPerSecond;
    this.last = clock.nanoTime();
  }

  public static Bandwidth unlimited() {
    return new Bandwidth(0);
  }

  public long bytesPerSecond() {
    return rate;
  }

  /** Blocks until {@code bytes} may be sent. */
  public void acquire(long bytes) throws InterruptedException {
    if (rate <= 0 || bytes <= 0) {
      return;
    }
    long waitNanos;
    synchronized (this) {
      long now = clock.nanoTime();
      tokens = Math.min(rate, tokens + (now - last) * (rate / 1e9));
      last = now;
      tokens -= bytes;
      waitNanos = tokens >= 0 ? 0 : (long) (-tokens / rate * 1e9);
    }
    if (waitNanos > 0) {
      clock.sleepNanos(waitNanos);
    }
  }
}
