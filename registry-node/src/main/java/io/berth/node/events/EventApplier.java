package io.berth.node.events;

import io.berth.node.index.ChangeLog;
import io.berth.proto.events.v1.ChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies other nodes' events from the region log to this node's index, then commits the log
 * position (so a crash re-delivers, and the idempotent apply absorbs it). The node is ready only
 * once the applier has caught up with what the log held at start.
 */
public final class EventApplier extends BackgroundLoop {
  private static final Logger log = LoggerFactory.getLogger(EventApplier.class);

  private final ChangeLog changes;
  private final ChangeSubscriber subscriber;
  private final Map<ChangeLog.ApplyResult, Counter> counters =
      new EnumMap<>(ChangeLog.ApplyResult.class);
  private final Runnable onApplied;
  private volatile boolean caughtUp;

  public EventApplier(
      ChangeLog changes, ChangeSubscriber subscriber, MeterRegistry metrics, Runnable onApplied) {
    super("berth-event-applier");
    this.changes = changes;
    this.subscriber = subscriber;
    this.onApplied = onApplied;
    for (ChangeLog.ApplyResult r : ChangeLog.ApplyResult.values()) {
      counters.put(
          r,
          Counter.builder("berth_events_applied")
              .tag("result", r.name().toLowerCase(Locale.ROOT))
              .register(metrics));
    }
    metrics.gauge("berth_events_conflicts", changes, ChangeLog::conflicts);
  }

  public EventApplier start() {
    startLoop();
    return this;
  }

  /** Whether everything the log held at start has been applied. */
  public boolean caughtUp() {
    return caughtUp;
  }

  @Override
  protected void runOnce() {
    List<ChangeEvent> events = subscriber.poll(Duration.ofMillis(100));
    boolean any = false;
    for (ChangeEvent e : events) {
      ChangeLog.ApplyResult r = changes.apply(e);
      counters.get(r).increment();
      any |= r == ChangeLog.ApplyResult.APPLIED;
    }
    if (!events.isEmpty()) {
      subscriber.commit();
    }
    if (any) {
      onApplied.run();
    }
    if (!caughtUp && subscriber.caughtUp()) {
      caughtUp = true;
      log.info("event applier caught up with the region log");
    }
  }

  @Override
  protected void release() {
    subscriber.close();
  }

  @Override
  protected Logger log() {
    return log;
  }
}
