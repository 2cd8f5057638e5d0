package io.berth.node.replication;

import io.berth.node.events.ChangePublisher;
import io.berth.node.index.ChangeLog;
import io.berth.proto.events.v1.ChangeEvent;
import java.util.List;

/**
 * The "region log" of a region without Kafka (a single node): republished events are applied to
 * this node's index directly, through the same idempotent path as events from the log.
 */
public final class LocalApplyPublisher implements ChangePublisher {
  private final ChangeLog changes;

  public LocalApplyPublisher(ChangeLog changes) {
    this.changes = changes;
  }

  @Override
  public void publish(List<ChangeEvent> events) {
    for (ChangeEvent e : events) {
      changes.apply(e);
    }
  }

  @Override
  public void close() {}
}
