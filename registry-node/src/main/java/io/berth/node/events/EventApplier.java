package io.berth.node.events;

import io.berth.node.index.ChangeLog;
import io.berth.node.index.RegionCatchUp;
import io.berth.proto.events.v1.ChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies other nodes' events from the region log to this node's index, then commits the log
 * position (so a crash re-delivers, and the idempotent apply absorbs it): when the log has nothing
 * more, and at least every second while events keep coming, not after every batch. When applying or
 * committing fails, the subscriber is rewound to the last commit before the retry, so nothing that
 * was polled but not applied is ever committed. The node is ready only once the applier has caught
 * up with what the log held at start. As a {@link RegionCatchUp} it lets a read that missed wait
 * until everything the log holds now is applied.
 */
public final class EventApplier extends BackgroundLoop implements RegionCatchUp {
  private static final Logger log = LoggerFactory.getLogger(EventApplier.class);

  private final ChangeLog changes;
  private final ChangeSubscriber subscriber;
  private final Counter invalid;
  private final Map<ChangeLog.ApplyResult, Counter> counters =
      new EnumMap<>(ChangeLog.ApplyResult.class);
  private final Map<Outcome, Timer> waits = new EnumMap<>(Outcome.class);
  private final Timer lag;
  private final Consumer<List<ChangeEvent>> onApplied;
  private final long applyDelayMillis;
  private final Object progress = new Object();
  private volatile LogPosition applied = LogPosition.START;
  private volatile boolean caughtUp;
  private volatile boolean everPolled;
  private volatile boolean servingWithoutLog;
  private volatile long startedNanos;

  /** While events keep coming, the log position is committed at most this often. */
  static final long COMMIT_EVERY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(1);

  // written by the loop's thread; read by release() after the thread ended
  private volatile boolean uncommitted;
  private volatile boolean unapplied;
  private long lastCommitNanos = System.nanoTime();

  public EventApplier(
      ChangeLog changes,
      ChangeSubscriber subscriber,
      MeterRegistry metrics,
      Consumer<List<ChangeEvent>> onApplied) {
    this(changes, subscriber, metrics, onApplied, 0);
  }

  /**
   * @param onApplied told, after each polled batch is applied and synced, the events of it that
   *     changed this node's index (not the ones it already held); a failure is logged, never undoes
   *     the apply
   * @param applyDelayMillis extra delay before applying each polled batch (0 in production; tests
   *     use it to keep a node behind the log)
   */
  public EventApplier(
      ChangeLog changes,
      ChangeSubscriber subscriber,
      MeterRegistry metrics,
      Consumer<List<ChangeEvent>> onApplied,
      long applyDelayMillis) {
    super("berth-event-applier");
    this.applyDelayMillis = applyDelayMillis;
    this.changes = changes;
    this.subscriber = subscriber;
    this.onApplied = onApplied;
    for (ChangeLog.ApplyResult r : ChangeLog.ApplyResult.values()) {
      counters.put(r, appliedCounter(metrics, r.name().toLowerCase(Locale.ROOT)));
    }
    invalid = appliedCounter(metrics, "invalid");
    for (Outcome o : Outcome.values()) {
      waits.put(
          o,
          Timer.builder("berth_read_your_writes_wait")
              .description("reads that missed and waited for the applier, by outcome")
              .tag("outcome", o.name().toLowerCase(Locale.ROOT))
              .register(metrics));
    }
    lag =
        Timer.builder("berth_events_apply_lag")
            .description("from an event's origin clock reading until it was applied here")
            .publishPercentiles(0.5, 0.99)
            .register(metrics);
    Gauge.builder("berth_events_conflicts", changes, ChangeLog::conflicts)
        .description("remote changes that lost to local state (Go versions with other content)")
        .register(metrics);
    // berth_hlc_skewed_readings is registered by the node assembly (a counter, also without Kafka)
    Gauge.builder("berth_events_serving_without_log", this, a -> a.servingWithoutLog ? 1 : 0)
        .description("1 while the node serves its index without having reached the region log")
        .register(metrics);
    Gauge.builder("berth_events_caught_up", this, a -> a.caughtUp ? 1 : 0)
        .description("1 once the applier has applied what the region log held at start")
        .register(metrics);
  }

  private static Counter appliedCounter(MeterRegistry metrics, String result) {
    return Counter.builder("berth_events_applied")
        .description("remote change events by apply result")
        .tag("result", result)
        .register(metrics);
  }

  public EventApplier start() {
    startedNanos = System.nanoTime();
    startLoop();
    return this;
  }

  /**
   * Whether this node serves without its region log: the log has not answered a single poll since
   * start for longer than {@code after}, and the index is a member's (it caught up once, in an
   * earlier run), so serving what it holds beats taking the node out of service during a Kafka
   * outage. An empty node never does. Once true it stays true until the node stops (no flapping
   * while the log, back again, is replayed).
   */
  public boolean servingWithoutLog(Duration after) {
    if (servingWithoutLog) {
      return true;
    }
    if (caughtUp
        || everPolled
        || after.isZero()
        || state() != State.RUNNING
        || System.nanoTime() - startedNanos < after.toNanos()
        || !changes.everCaughtUp()) {
      return false;
    }
    servingWithoutLog = true;
    log.warn(
        "region log unreachable for {} s since start: serving this node's index as it is (behind)",
        after.toSeconds());
    return true;
  }

  /** Whether everything the log held at start has been applied. */
  public boolean caughtUp() {
    return caughtUp;
  }

  @Override
  protected void runOnce() throws InterruptedException {
    List<ChangeEvent> polled = subscriber.poll(Duration.ofMillis(100));
    everPolled = true;
    if (!polled.isEmpty()) {
      unapplied = true;
    }
    List<ChangeEvent> events = valid(polled);
    if (!events.isEmpty() && applyDelayMillis > 0) {
      Thread.sleep(applyDelayMillis);
    }
    List<ChangeEvent> appliedNow = new ArrayList<>();
    // one sync for the whole batch; the position is committed only after it (below)
    if (!events.isEmpty()) {
      changes.applyAll(
          events,
          (e, r) -> {
            counters.get(r).increment();
            if (r == ChangeLog.ApplyResult.APPLIED) {
              lag.record(
                  Math.max(0, System.currentTimeMillis() - e.getHlc().getWallMillis()),
                  java.util.concurrent.TimeUnit.MILLISECONDS);
              appliedNow.add(e);
            }
          });
    }
    LogPosition now = subscriber.position();
    synchronized (progress) {
      applied = now;
      progress.notifyAll();
    }
    // the position is committed once the log has nothing more right now, or every
    // COMMIT_EVERY_NANOS while events keep coming: not after each batch (ADR 0027). Everything
    // committed is applied and synced; a crash or rewind re-delivers at most that much, and the
    // idempotent apply absorbs it.
    long nowNanos = System.nanoTime();
    if (!polled.isEmpty()) {
      uncommitted = true;
      unapplied = false;
    }
    if (uncommitted && (polled.isEmpty() || nowNanos - lastCommitNanos >= COMMIT_EVERY_NANOS)) {
      subscriber.commit();
      uncommitted = false;
      lastCommitNanos = nowNanos;
    }
    if (!appliedNow.isEmpty()) {
      try {
        onApplied.accept(appliedNow);
      } catch (RuntimeException e) {
        log.warn("after-apply hook failed (the events are applied): {}", e.toString());
      }
    }
    if (!caughtUp && subscriber.caughtUp()) {
      caughtUp = true;
      changes.recordCaughtUp();
      log.info("event applier caught up with the region log");
    }
  }

  /**
   * The polled events that pass {@link EventValidation}. A malformed one (a bad digest, tag,
   * repository name, module path or version, written by a faulty node or client of the region
   * topic) is skipped: counted as {@code berth_events_applied{result="invalid"}}, logged with its
   * origin and the offending field, never applied. Applying it would either store a value that
   * breaks later reads and garbage collection, or fail the batch and be retried forever, stopping
   * the region's applier (ADR 0016). Events of a newer schema pass: the change log counts them
   * unsupported.
   */
  private List<ChangeEvent> valid(List<ChangeEvent> polled) {
    List<ChangeEvent> out = null;
    for (int i = 0; i < polled.size(); i++) {
      ChangeEvent e = polled.get(i);
      try {
        EventValidation.check(e);
      } catch (UnsupportedEventException newer) {
        // applied as before: the change log answers UNSUPPORTED
      } catch (InvalidEventException bad) {
        invalid.increment();
        log.error(
            "skipping invalid event {}: {}; it is not applied (fix the node or client that wrote"
                + " it to the region topic)",
            bad.event(),
            bad.problem());
        if (out == null) {
          out = new ArrayList<>(polled.subList(0, i));
        }
        continue;
      }
      if (out != null) {
        out.add(e);
      }
    }
    return out == null ? polled : out;
  }

  @Override
  protected void onFailure(Exception e) {
    uncommitted = false; // the rewind drops what was polled after the last commit
    unapplied = false;
    try {
      subscriber.rewind();
    } catch (RuntimeException re) {
      log.debug("rewind failed", re);
    }
    synchronized (progress) {
      applied = LogPosition.START;
    }
  }

  @Override
  public Outcome await(Duration max) throws InterruptedException {
    long start = System.nanoTime();
    Outcome o = awaitEnd(start + max.toNanos());
    waits.get(o).record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
    return o;
  }

  private Outcome awaitEnd(long deadline) throws InterruptedException {
    if (state() != State.RUNNING) {
      return Outcome.UNAVAILABLE;
    }
    LogPosition end;
    try {
      end = subscriber.end(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
    } catch (RuntimeException e) {
      return Outcome.UNAVAILABLE;
    }
    synchronized (progress) {
      if (applied.covers(end)) {
        return Outcome.CURRENT;
      }
      while (!applied.covers(end)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return Outcome.TIMED_OUT;
        }
        progress.wait(Math.max(1, left / 1_000_000));
      }
      return Outcome.CAUGHT_UP;
    }
  }

  @Override
  protected void release() {
    // only when the loop has stopped and did not stop between a poll and its apply: a commit
    // then covers applied, synced events only
    if (uncommitted && !unapplied && threadEnded()) {
      try {
        subscriber.commit();
      } catch (RuntimeException e) {
        log.debug("final commit failed; the events are delivered again and skipped", e);
      }
    }
    subscriber.close();
  }

  @Override
  protected Logger log() {
    return log;
  }
}
