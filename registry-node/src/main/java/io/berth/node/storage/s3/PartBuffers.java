package io.berth.node.storage.s3;

import io.berth.node.storage.StorageBusyException;
import java.io.InterruptedIOException;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The memory budget for S3 upload buffers, shared by every put of one store, so that many
 * concurrent pushes cannot allocate more than {@code limitBytes} of part buffers in total.
 *
 * <p>Deadlock-free by the way puts use it: a put waits ({@link #acquire}) only while it holds no
 * lease of this pool, for its first buffer; every further buffer is taken with {@link #tryAcquire}
 * without waiting, and when that fails the put reuses its own buffers once their uploads finish. So
 * every put that holds a lease can always make progress and give it back. The wait is fair (first
 * come, first served) and bounded by {@code maxWait}; then the put fails with a retryable {@link
 * StorageBusyException} (503 + Retry-After for clients).
 */
final class PartBuffers {
  private static final int UNIT = 1024;
  private static final long RETRY_AFTER_SECONDS = 5;

  private final Semaphore permits;
  private final long limitBytes;
  private final long maxWaitMillis;
  private final AtomicLong inUse = new AtomicLong();
  private final AtomicLong peak = new AtomicLong();
  private final AtomicLong waits = new AtomicLong();
  private final int recycleSize;
  private final java.util.Queue<byte[]> spare = new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicInteger spares =
      new java.util.concurrent.atomic.AtomicInteger();

  /**
   * @param limitBytes the budget (at least one buffer of the largest size asked for)
   * @param maxWaitMillis how long a put waits for its first buffer before failing
   * @param recycleSize buffers of exactly this size (a part) are kept when given back and handed
   *     out again, so parts are not allocated anew for every put; kept and leased buffers together
   *     stay within the budget (spares are dropped when other sizes need the room)
   */
  PartBuffers(long limitBytes, long maxWaitMillis, int recycleSize) {
    this.limitBytes = limitBytes;
    this.permits = new Semaphore((int) Math.min(Integer.MAX_VALUE, units(limitBytes)), true);
    this.maxWaitMillis = maxWaitMillis;
    this.recycleSize = recycleSize;
  }

  /** A buffer of {@code size} bytes counted against the budget until {@link Lease#close}. */
  final class Lease implements AutoCloseable {
    private final byte[] bytes;
    private final int units;
    private final AtomicBoolean open = new AtomicBoolean(true);

    private Lease(byte[] bytes, int units) {
      this.bytes = bytes;
      this.units = units;
    }

    byte[] bytes() {
      return bytes;
    }

    /** Gives the budget back (idempotent); the caller must no longer use the buffer. */
    @Override
    public void close() {
      if (open.compareAndSet(true, false)) {
        if (bytes.length == recycleSize) {
          spare.offer(bytes);
          spares.incrementAndGet();
        }
        inUse.addAndGet(-(long) units * UNIT);
        permits.release(units);
      }
    }
  }

  /**
   * Waits (fairly, at most the configured time) for a buffer of {@code size} bytes. Callers must
   * not hold another lease of this pool while they wait.
   *
   * @throws StorageBusyException when no buffer became free in time
   * @throws InterruptedIOException when interrupted while waiting
   */
  Lease acquire(int size) throws InterruptedIOException {
    int u = units(size);
    try {
      if (!permits.tryAcquire(u, 0, TimeUnit.MILLISECONDS)) {
        waits.incrementAndGet();
        if (!permits.tryAcquire(u, maxWaitMillis, TimeUnit.MILLISECONDS)) {
          throw new StorageBusyException(
              "all S3 upload buffers of this node ("
                  + (limitBytes >> 20)
                  + " MiB, storage.s3.maxBufferBytes) stayed in use for "
                  + maxWaitMillis
                  + " ms",
              RETRY_AFTER_SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for an S3 upload buffer");
    }
    return granted(size, u);
  }

  /** A buffer of {@code size} bytes if the budget has room now (respecting waiting puts). */
  Optional<Lease> tryAcquire(int size) {
    int u = units(size);
    try {
      if (!permits.tryAcquire(u, 0, TimeUnit.MILLISECONDS)) {
        return Optional.empty();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
    return Optional.of(granted(size, u));
  }

  private Lease granted(int size, int u) {
    Lease l;
    try {
      byte[] b = null;
      if (size == recycleSize) {
        b = spare.poll();
        if (b != null) {
          spares.decrementAndGet();
        }
      } else {
        // kept spares plus leased buffers stay within the budget: drop spares the budget lacks now
        while ((long) spares.get() * recycleSize > (long) permits.availablePermits() * UNIT
            && spare.poll() != null) {
          spares.decrementAndGet();
        }
      }
      l = new Lease(b != null ? b : new byte[size], u);
    } catch (OutOfMemoryError e) {
      permits.release(u);
      throw e;
    }
    long now = inUse.addAndGet((long) u * UNIT);
    peak.accumulateAndGet(now, Math::max);
    return l;
  }

  private static int units(long bytes) {
    return (int) Math.max(1, (bytes + UNIT - 1) / UNIT);
  }

  /** Bytes of buffers leased now. */
  long inUseBytes() {
    return inUse.get();
  }

  /** The most bytes leased at once since the store started. */
  long peakBytes() {
    return peak.get();
  }

  /** How many puts had to wait for their first buffer. */
  long waits() {
    return waits.get();
  }

  long limitBytes() {
    return limitBytes;
  }
}
