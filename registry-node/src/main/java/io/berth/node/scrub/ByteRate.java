package io.berth.node.scrub;

/**
 * Paces a reader to at most {@code bytesPerSecond} on average: {@link #acquire} sleeps until the
 * bytes read so far are within budget. Not thread-safe (one scrub thread).
 */
final class ByteRate {
  private final long bytesPerSecond;
  private final long startNanos = System.nanoTime();
  private long bytes;

  ByteRate(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
  }

  void acquire(int n) throws InterruptedException {
    bytes += n;
    long dueNanos = (long) (bytes * 1e9 / bytesPerSecond);
    long sleepNanos = dueNanos - (System.nanoTime() - startNanos);
    if (sleepNanos > 1_000_000) {
      Thread.sleep(sleepNanos / 1_000_000, (int) (sleepNanos % 1_000_000));
    }
  }
}
