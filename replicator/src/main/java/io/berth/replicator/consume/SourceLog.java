package io.berth.replicator.consume;

import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.List;

/**
 * A link's view of its source region's log. Contract: {@link #poll} returns events after the
 * committed position, in log order per key; {@link #commit} records that everything polled so far
 * was handled, so the next owner of the link resumes after it. Anything polled but not committed,
 * and the last commits before a crash (an implementation may commit asynchronously, and must commit
 * synchronously on {@link #close}), is delivered again: the target skips events it already holds.
 * One thread uses it.
 */
public interface SourceLog extends AutoCloseable {

  /** The next events, possibly none within {@code timeout}. */
  List<ChangeEvent> poll(Duration timeout);

  /** Commits everything returned by {@link #poll} so far. */
  void commit();

  /**
   * Forgets everything returned by {@link #poll} since the last {@link #commit}: the next poll
   * returns those events again, from the committed position.
   */
  void rewind();

  /**
   * How many events the log holds after the committed position (as of the last check), or -1 if
   * unknown.
   */
  long behind();

  @Override
  void close();
}
