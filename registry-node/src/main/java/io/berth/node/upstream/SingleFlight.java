package io.berth.node.upstream;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Collapses concurrent calls for the same key into one execution: the first caller runs the work on
 * its own thread, later callers wait for and share its result (or its exception). Once the work
 * finished the key is free again, so a later call runs anew (callers check their cache first).
 *
 * <p>Waiters wait at most {@code maxWait} (a backstop: the leader's own reads and writes have
 * deadlines) and then fail with a {@link TimeoutException}; the leader goes on.
 */
public final class SingleFlight<K, V> {

  /** Work that produces a value or throws. */
  @FunctionalInterface
  public interface Work<V> {
    V run() throws Exception;
  }

  /** Whether the caller ran the work or waited for another caller. */
  public record Outcome<V>(V value, boolean leader) {}

  /** How long waiters wait for the leader unless told otherwise. */
  public static final Duration DEFAULT_MAX_WAIT = Duration.ofMinutes(10);

  private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder waits = new LongAdder();
  private final Duration maxWait;

  public SingleFlight() {
    this(DEFAULT_MAX_WAIT);
  }

  public SingleFlight(Duration maxWait) {
    if (maxWait.isNegative() || maxWait.isZero()) {
      throw new IllegalArgumentException("maxWait must be positive");
    }
    this.maxWait = maxWait;
  }

  /**
   * Runs {@code work} unless a call for {@code key} is in flight, in which case this call waits for
   * that one's result.
   *
   * @throws Exception whatever the work threw (for waiters too)
   * @throws TimeoutException when this call waited longer than {@code maxWait} for another one
   */
  public Outcome<V> run(K key, Work<V> work) throws Exception {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> existing = inFlight.putIfAbsent(key, mine);
    if (existing != null) {
      waits.increment();
      try {
        return new Outcome<>(existing.get(maxWait.toNanos(), TimeUnit.NANOSECONDS), false);
      } catch (TimeoutException e) {
        throw new TimeoutException(
            "waited "
                + maxWait.toSeconds()
                + " s for another request fetching the same content; retry later");
      } catch (ExecutionException e) {
        Throwable cause = e.getCause();
        if (cause instanceof Exception ex) {
          throw ex;
        }
        throw (Error) cause;
      }
    }
    try {
      V v = work.run();
      mine.complete(v);
      return new Outcome<>(v, true);
    } catch (Throwable t) {
      mine.completeExceptionally(t);
      throw t;
    } finally {
      inFlight.remove(key, mine);
    }
  }

  /** How many calls waited for another caller's work so far. */
  public long waits() {
    return waits.sum();
  }
}
