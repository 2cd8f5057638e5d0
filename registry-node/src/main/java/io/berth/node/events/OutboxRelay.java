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
 * crash between publish and record republishes a few events; consumers dedupe them.
 */
public final class OutboxRelay implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OutboxRelay.class);
  private static final int BATCH = 500;

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final ChangeLog changes;
  private final ChangePublisher publisher;
  private final long delayMillis;
  private final Counter published;
  private final Counter failures;
  private final Object signal = new Object();
  private volatile State state = State.NEW;
  private Thread thread;

  /**
   * @param delayMillis extra delay before publishing each batch (0 in production; tests use it to
   *     reorder delivery between nodes)
   */
  public OutboxRelay(
      ChangeLog changes, ChangePublisher publisher, long delayMillis, MeterRegistry metrics) {
    this.changes = changes;
    this.publisher = publisher;
    this.delayMillis = delayMillis;
    this.published = Counter.builder("berth_outbox_published").register(metrics);
    this.failures = Counter.builder("berth_outbox_publish_failures").register(metrics);
    Gauge.builder("berth_outbox_backlog", changes, c -> c.lastSeq() - c.publishedSeq())
        .register(metrics);
  }

  public synchronized OutboxRelay start() {
    if (state != State.NEW) {
      throw new IllegalStateException("relay is " + state);
    }
    state = State.RUNNING;
    thread = new Thread(this::run, "berth-outbox-relay");
    thread.setDaemon(true);
    thread.start();
    return this;
  }

  /** Wakes the relay after a local write (optional: it also polls). */
  public void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  public State state() {
    return state;
  }

  private void run() {
    long backoff = 100;
    while (state == State.RUNNING) {
      try {
        List<ChangeEvent> batch = changes.readAfter(changes.publishedSeq(), BATCH);
        if (batch.isEmpty()) {
          synchronized (signal) {
            signal.wait(20);
          }
          continue;
        }
        if (delayMillis > 0) {
          Thread.sleep(delayMillis);
        }
        publisher.publish(batch);
        changes.markPublished(batch.get(batch.size() - 1).getSeq());
        published.increment(batch.size());
        backoff = 100;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (ChangePublisher.PublishException | RuntimeException e) {
        failures.increment();
        if (state != State.RUNNING) {
          return;
        }
        log.warn(
            "outbox relay: publish failed ({} events behind), retrying in {} ms: {}",
            changes.lastSeq() - changes.publishedSeq(),
            backoff,
            e.toString());
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return;
        }
        backoff = Math.min(backoff * 2, 5_000);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    if (thread != null) {
      thread.interrupt();
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    publisher.close();
  }
}
