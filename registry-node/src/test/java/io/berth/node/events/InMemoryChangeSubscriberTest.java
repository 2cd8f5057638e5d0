package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.util.List;

/**
 * The in-memory subscriber used by the applier's unit tests keeps the {@link ChangeSubscriber}
 * contract. It models a single consumer, so opening it again is its rewind (a reopened consumer
 * resumes after the last commit).
 */
class InMemoryChangeSubscriberTest extends ChangeSubscriberContract {
  private InMemoryChangeSubscriber log;

  @Override
  protected void newLog() {
    log = new InMemoryChangeSubscriber();
  }

  @Override
  protected void append(List<ChangeEvent> events) {
    events.forEach(log::append);
  }

  @Override
  protected ChangeSubscriber open() {
    log.rewind();
    // a new handle on the same log each time (closing one does nothing to the log)
    return new DelegatingChangeSubscriber(log);
  }
}
