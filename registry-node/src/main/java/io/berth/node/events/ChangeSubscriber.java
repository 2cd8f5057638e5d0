package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.time.Duration;
import java.util.List;

/**
 * Reads the region's log. Contract: {@link #poll} returns events in log order per key; {@link
 * #commit} durably records that everything returned so far has been applied, so a restart resumes
 * after it (events after the last commit are delivered again). Not thread-safe: one thread polls.
 */
public interface ChangeSubscriber extends AutoCloseable {

  List<ChangeEvent> poll(Duration timeout);

  void commit();

  /** Whether this subscriber has read everything that was in the log when it started. */
  boolean caughtUp();

  @Override
  void close();
}
