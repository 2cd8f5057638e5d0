package io.berth.node.storage;

import java.util.function.Supplier;

/**
 * Caches the answer of a health probe (null = healthy, else the problem) for {@code ttlMillis}, so
 * frequent readiness checks cost at most one probe of the backing store per period.
 */
public final class CachedProbe implements Supplier<String> {
  private final Supplier<String> probe;
  private final long ttlMillis;
  private volatile long checkedAt = Long.MIN_VALUE;
  private volatile String last;

  public CachedProbe(Supplier<String> probe, long ttlMillis) {
    this.probe = probe;
    this.ttlMillis = ttlMillis;
  }

  @Override
  public synchronized String get() {
    long now = System.currentTimeMillis();
    if (checkedAt == Long.MIN_VALUE || now - checkedAt >= ttlMillis) {
      last = probe.get();
      checkedAt = now;
    }
    return last;
  }
}
