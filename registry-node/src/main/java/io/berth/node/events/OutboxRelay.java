package io.berth.node.events;

import io.berth.node.index.ChangeLog;
import io.berth.proto.events.v1.ChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the outbox to the region log in sequence order and records the published position after
 * each acknowledged batch. When the log is down, writes keep succeeding locally, the backlog grows
 * (metric {@code berth_outbox_backlog}) and drains with bounded backoff once the log is back. A
 * crash between publish and record republishes a few events; consumers dedupe them. An idle relay
 * wakes up on the next commit, so an event leaves for the log within a round trip of its write.
 */
public final class OutboxRelay extends BackgroundLoop {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  private static final int BATCH = 500;

  private final ChangeLog changes;
  private final ChangePublisher publisher;
  private final long delayMillis;
  private final Counter published;
  private final Counter failures;

  /**
   * @param delayMillis extra delay before publishing each batch (0 in production; tests use it to
   *     hold events in the outbox)
   */
  public OutboxRelay(
      ChangeLog changes, ChangePublisher publisher, long delayMillis, MeterRegistry metrics) {
    super("berth-outbox-relay");
    this.changes = changes;
    this.publisher = publisher;
    this.delayMillis = delayMillis;
    this.published = Counter.builder("berth_outbox_published").register(metrics);
    this.failures = Counter.builder("berth_outbox_publish_failures").register(metrics);
    Gauge.builder("berth_outbox_backlog", changes, c -> c.lastSeq() - c.publishedSeq())
        .register(metrics);
  }

  public OutboxRelay start() {
    startLoop();
    return this;
  }

  @Override
  protected void runOnce() throws Exception {
    long from = changes.publishedSeq();
    List<ChangeEvent> batch = changes.readAfter(from, BATCH);
    if (batch.isEmpty()) {
      changes.awaitAfter(from, java.time.Duration.ofMillis(200));
      return;
    }
    if (delayMillis > 0) {
      Thread.sleep(delayMillis);
    }
    try {
      publisher.publish(batch);
    } catch (ChangePublisher.PublishException e) {
      int ok = Math.min(e.acknowledged(), batch.size());
      if (ok > 0) {
        // those are in the log: do not send them again (fewer duplicates after an outage)
        changes.markPublished(batch.get(ok - 1).getSeq());
        published.increment(ok);
      }
      throw e;
    }
    changes.markPublished(batch.get(batch.size() - 1).getSeq());
    published.increment(batch.size());
  }

  @Override
  protected void onFailure(Exception e) {
    failures.increment();
  }

  @Override
  protected String describeFailure() {
    return " with " + (changes.lastSeq() - changes.publishedSeq()) + " events behind";
  }

  @Override
  protected void release() {
    publisher.close();
  }

  @Override
  protected Logger log() {
    return log;
  }
}
