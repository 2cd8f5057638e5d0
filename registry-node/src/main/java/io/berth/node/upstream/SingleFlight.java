package io.berth.node.upstream;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.LongAdder;

/**
 * Collapses concurrent calls for the same key into one execution: the first caller runs the work on
 * its own thread, later callers wait for and share its result (or its exception). Once the work
 * finished the key is free again, so a later call runs anew (callers check their cache first).
 */
public final class SingleFlight<K, V> {

  /** Work that produces a value or throws. */
  @FunctionalInterface
  public interface Work<V> {
    V run() throws Exception;
  }

  /** Whether the caller ran the work or waited for another caller. */
  public record Outcome<V>(V value, boolean leader) {}

  private final ConcurrentHashMap<K, CompletableFuture<V>> inFlight = new ConcurrentHashMap<>();
  private final LongAdder waits = new LongAdder();

  /**
   * Runs {@code work} unless a call for {@code key} is in flight, in which case this call waits for
   * that one's result.
   *
   * @throws Exception whatever the work threw (for waiters too)
   */
  public Outcome<V> run(K key, Work<V> work) throws Exception {
    CompletableFuture<V> mine = new CompletableFuture<>();
    CompletableFuture<V> existing = inFlight.putIfAbsent(key, mine);
    if (existing != null) {
      waits.increment();
      try {
        return new Outcome<>(existing.get(), false);
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
