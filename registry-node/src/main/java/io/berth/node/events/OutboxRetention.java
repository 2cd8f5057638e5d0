package io.berth.node.events;

import io.berth.node.index.ChangeLog;
import java.time.Clock;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trims the outbox (run periodically). With a region log, events already published and older than
 * {@code publishedRetention} go: Kafka holds them. Without one, the outbox is the node's complete
 * local log: nothing is trimmed unless {@code localRetention} is positive, and then events older
 * than it go whether published or not. Unpublished events are never trimmed while a log is
 * configured, so a long Kafka outage loses nothing.
 */
public final class OutboxRetention implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(OutboxRetention.class);

  private final ChangeLog changes;
  private final boolean relayed;
  private final Duration publishedRetention;
  private final Duration localRetention;
  private final Clock clock;

  public OutboxRetention(
      ChangeLog changes,
      boolean relayed,
      Duration publishedRetention,
      Duration localRetention,
      Clock clock) {
    this.changes = changes;
    this.relayed = relayed;
    this.publishedRetention = publishedRetention;
    this.localRetention = localRetention;
    this.clock = clock;
  }

  /** Trims once; returns how many events were removed. */
  public int trim() {
    long now = clock.millis();
    if (relayed) {
      return changes.trimPublished(now - publishedRetention.toMillis());
    }
    if (localRetention.isZero() || localRetention.isNegative()) {
      return 0;
    }
    return changes.trimAll(now - localRetention.toMillis());
  }

  @Override
  public void run() {
    try {
      int n = trim();
      if (n > 0) {
        log.info("outbox retention removed {} events", n);
      }
    } catch (RuntimeException e) {
      log.warn("outbox trim failed: {}", e.toString());
    }
  }
}
