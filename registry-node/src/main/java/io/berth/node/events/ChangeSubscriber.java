package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.List;

/**
 * Reads the region's log. Contract: {@link #poll} returns events in log order per key; {@link
 * #commit} durably records that everything returned so far has been applied, so a restart resumes
 * after it (events after the last commit are delivered again); {@link #rewind} forgets what was
 * returned but not committed, so the next poll delivers it again. Not thread-safe: one thread
 * polls, commits, rewinds and reads {@link #position}; only {@link #end} may be called from any
 * thread.
 */
public interface ChangeSubscriber extends AutoCloseable {

  List<ChangeEvent> poll(Duration timeout);

  void commit();

  /** Drops uncommitted progress: the next poll resumes after the last commit. */
  void rewind();

  /** Whether this subscriber has read everything that was in the log when it started. */
  boolean caughtUp();

  /** The position just after everything {@link #poll} has returned (START before the first). */
  LogPosition position();

  /**
   * The current end of the log (thread-safe; one round trip to the log, at most {@code timeout}).
   *
   * @throws IllegalStateException if the log cannot be reached in time
   */
  LogPosition end(Duration timeout);

  @Override
  void close();
}
