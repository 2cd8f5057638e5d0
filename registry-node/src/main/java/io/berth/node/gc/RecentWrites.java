package io.berth.node.gc;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.berth.common.Digest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The write side of the GC/writer handshake on one node (ADR 0008). Writers record every digest
 * they stored or re-referenced; garbage collection decides and deletes each candidate while holding
 * the same per-digest lock, and skips digests recorded within {@code retention} or at any time
 * during its own run ({@link #beginRun}), however long the run takes. Bounded: entries expire after
 * {@code retention}, at most {@code maxEntries} are kept (the blob's refreshed modified time
 * protects it beyond that), and a run tracks at most {@code maxEntries} digests (then it reports
 * {@link Run#overflowed()} and garbage collection stops deleting).
 */
public final class RecentWrites {
  private static final int STRIPES = 256;

  private final Object[] locks = new Object[STRIPES];
  private final Cache<Digest, Boolean> recent;
  private final long maxEntries;
  private final Set<Run> runs = new CopyOnWriteArraySet<>();

  public RecentWrites(Duration retention, long maxEntries) {
    for (int i = 0; i < STRIPES; i++) {
      locks[i] = new Object();
    }
    this.maxEntries = maxEntries;
    this.recent = Caffeine.newBuilder().expireAfterWrite(retention).maximumSize(maxEntries).build();
  }

  /** Records {@code digest} as just written and runs {@code check} under its lock. */
  public <T> T record(Digest digest, Supplier<T> check) {
    synchronized (lock(digest)) {
      recent.put(digest, Boolean.TRUE);
      for (Run r : runs) {
        r.add(digest);
      }
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

  /**
   * Starts tracking every digest recorded from now until the returned run is closed, whatever the
   * retention: a garbage collection run opens one before it lists the store.
   */
  public Run beginRun() {
    Run r = new Run();
    runs.add(r);
    return r;
  }

  /** The digests recorded during one garbage collection run. */
  public final class Run implements AutoCloseable {
    private final Set<Digest> seen = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean overflowed = new AtomicBoolean();

    private Run() {}

    private void add(Digest d) {
      if (seen.size() < maxEntries) {
        seen.add(d);
      } else {
        overflowed.set(true);
      }
    }

    /** Whether {@code digest} was recorded since the run began (or the run overflowed). */
    public boolean recorded(Digest digest) {
      return overflowed.get() || seen.contains(digest);
    }

    /** More digests were recorded during the run than it can track. */
    public boolean overflowed() {
      return overflowed.get();
    }

    @Override
    public void close() {
      runs.remove(this);
    }
  }

  private Object lock(Digest d) {
    return locks[Math.floorMod(d.hashCode(), STRIPES)];
  }
}
