package io.berth.node.gc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.berth.common.Digest;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The write side of the GC/writer handshake on one node (ADR 0008). Writers record every digest
 * they stored or re-referenced; garbage collection decides and deletes each candidate while holding
 * the same per-digest lock, and skips digests recorded within {@code retention}. Bounded: entries
 * expire after {@code retention}, and at most {@code maxEntries} are kept (the blob's refreshed
 * modified time protects it beyond that).
 */
public final class RecentWrites {
  private static final int STRIPES = 256;

  private final Object[] locks = new Object[STRIPES];
  private final Cache<Digest, Boolean> recent;

  public RecentWrites(Duration retention, long maxEntries) {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
    this.recent = Caffeine.newBuilder().expireAfterWrite(retention).maximumSize(maxEntries).build();
  }

  /** Records {@code digest} as just written and runs {@code check} under its lock. */
  public <T> T record(Digest digest, Supplier<T> check) {
    synchronized (lock(digest)) {
      recent.put(digest, Boolean.TRUE);
      return check.get();
    }
  }

  /** Whether {@code digest} was recorded within the retention. */
  public boolean isRecent(Digest digest) {
    return recent.getIfPresent(digest) != null;
  }

  /** Runs {@code action} while holding {@code digest}'s lock (GC's check-and-delete). */
  public <T> T locked(Digest digest, Supplier<T> action) {
    synchronized (lock(digest)) {
      return action.get();
    }
  }

  private Object lock(Digest d) {
    return locks[Math.floorMod(d.hashCode(), STRIPES)];
  }
}
