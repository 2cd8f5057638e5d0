package io.berth.node.replication;

import io.berth.common.ChangeEvents;
import io.berth.node.events.ChangePublisher;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.IndexException;
import io.berth.proto.events.v1.ChangeEvent;
import java.util.List;

/**
 * The "region log" of a region without Kafka (a single node): republished events are applied to
 * this node's index directly, through the same idempotent path as events from the log. An index
 * failure is reported as the publisher contract says, as a {@link PublishException} carrying it as
 * the cause, with the events applied (durably) before it as the acknowledged prefix.
 */
public final class LocalApplyPublisher implements ChangePublisher {
  private final ChangeLog changes;

  public LocalApplyPublisher(ChangeLog changes) {
    this.changes = changes;
  }

  @Override
  public void publish(List<ChangeEvent> events) throws PublishException {
    int applied = 0;
    for (ChangeEvent e : events) {
      try {
        changes.apply(e);
      } catch (IndexException failure) {
        throw new PublishException(
            "this node's index did not apply event "
                + ChangeEvents.describe(e)
                + ": "
                + failure.getMessage(),
            failure,
            applied);
      }
      applied++;
    }
  }

  @Override
  public void close() {}
}
