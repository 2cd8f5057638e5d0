package io.berth.replicator.link;

import io.berth.proto.events.v1.ChangeEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one link is doing, for Prometheus ({@code berth_link_*{link}}) and the status endpoint:
 * ownership and epoch, events behind, seconds behind (HLC of the oldest event not yet handed to the
 * target, to now), events replicated and skipped, bytes and blobs copied, failures, the copy in
 * progress and the last error. Thread-safe.
 */
public final class LinkState {

  /** Where the link is. */
  public enum Phase {
    /** Another instance owns the link (or nobody yet). */
    STANDBY,
    /** This instance just became owner and announces its term. */
    STARTING,
    /** Replicating. */
    RUNNING,
    /** The last attempt failed; retrying with backoff. */
    RETRYING
  }

  private final String link;
  private final String instance;
  private volatile Phase phase = Phase.STANDBY;
  private volatile boolean owner;
  private volatile long epoch = -1;
  private volatile String ownerId = "";
  private volatile long behind = -1;
  private volatile long aheadEvents;
  private volatile long headHlcMillis;
  private volatile long lastLagMillis = -1;
  private volatile long lastReplicatedAt;
  private volatile String lastError = "";
  private volatile long lastErrorAt;
  private final Map<String, long[]> copies = new ConcurrentHashMap<>();
  private final Counter replicated;
  private final Counter echo;
  private final Counter filtered;
  private final Counter superseded;
  private final Counter deadLettered;
  private final DeadLetters deadLetters;
  private final Counter bytes;
  private final Counter blobs;
  private final Map<String, Counter> failures = new ConcurrentHashMap<>();
  private final MeterRegistry metrics;
  private final DistributionSummary lag;
  private final DistributionSummary batchSize;
  private final Map<String, Timer> stages = new ConcurrentHashMap<>();

  public LinkState(String link, String instance, MeterRegistry metrics) {
    this(link, instance, metrics, new DeadLetters(100));
  }

  /**
   * @param deadLetters the link's dead-letter list (its size bound and journal)
   */
  public LinkState(String link, String instance, MeterRegistry metrics, DeadLetters deadLetters) {
    this.link = link;
    this.instance = instance;
    this.metrics = metrics;
    replicated = counter("berth_link_events_replicated", "events handed to the target region");
    echo = skipped("echo");
    filtered = skipped("filtered");
    superseded = skipped("superseded");
    deadLettered =
        counter(
            "berth_link_dead_letters",
            "events given up on after the link's attempts (blob gone, refused by the target)");
    this.deadLetters = deadLetters;
    bytes = counter("berth_link_bytes_copied", "blob bytes sent to the target region");
    blobs = counter("berth_link_blobs_copied", "blobs stored in the target region");
    Gauge.builder("berth_link_owner", this, s -> s.owner ? 1 : 0)
        .description("1 while this instance owns the link")
        .tag("link", link)
        .register(metrics);
    Gauge.builder("berth_link_epoch", this, s -> s.epoch)
        .description("the epoch of this instance's current or last term")
        .tag("link", link)
        .register(metrics);
    Gauge.builder("berth_link_events_behind", this, s -> s.behind)
        .description("events in the source log not yet handed to the target (-1: unknown)")
        .tag("link", link)
        .register(metrics);
    Gauge.builder("berth_link_events_ahead", this, s -> s.aheadEvents)
        .description(
            "events read ahead while the target's nodes do not answer: their blobs are in the"
                + " target's bucket, the events wait to be handed over")
        .tag("link", link)
        .register(metrics);
    Gauge.builder("berth_link_seconds_behind", this, LinkState::secondsBehind)
        .description("age of the oldest event not yet handed to the target")
        .tag("link", link)
        .register(metrics);
    lag =
        DistributionSummary.builder("berth_link_lag_seconds")
            .description("event HLC to handed to the target, per event batch")
            .tag("link", link)
            .publishPercentiles(0.5, 0.99)
            .register(metrics);
    batchSize =
        DistributionSummary.builder("berth_link_batch_events")
            .description("events carried per batch")
            .tag("link", link)
            .publishPercentiles(0.5, 0.99)
            .register(metrics);
    failure("copy");
  }

  private Counter counter(String name, String description) {
    return Counter.builder(name).description(description).tag("link", link).register(metrics);
  }

  private Counter skipped(String reason) {
    return Counter.builder("berth_link_events_skipped")
        .description("source events not carried, by reason")
        .tag("link", link)
        .tag("reason", reason)
        .register(metrics);
  }

  /**
   * The time one step of a batch took, by stage ({@code find}: asking the target what it lacks,
   * {@code copy}: copying the missing blobs, {@code republish}: handing the events over, {@code
   * commit}: the source offset), so a slow link shows which step it waits on.
   */
  public Timer stage(String stage) {
    return stages.computeIfAbsent(
        stage,
        s ->
            Timer.builder("berth_link_stage_seconds")
                .description("time per batch step, by stage")
                .tag("link", link)
                .tag("stage", s)
                .publishPercentiles(0.5, 0.99)
                .register(metrics));
  }

  /** The number of events in each batch the link carried. */
  public DistributionSummary batchSize() {
    return batchSize;
  }

  Counter failure(String stage) {
    return failures.computeIfAbsent(
        stage,
        s ->
            Counter.builder("berth_link_failures")
                .description("failed attempts, by stage (each is retried)")
                .tag("link", link)
                .tag("stage", s)
                .register(metrics));
  }

  public String link() {
    return link;
  }

  void standby(String currentOwner) {
    owner = false;
    phase = Phase.STANDBY;
    ownerId = currentOwner;
    copies.clear();
  }

  void starting(long epoch) {
    this.epoch = epoch;
    owner = true;
    ownerId = instance;
    phase = Phase.STARTING;
  }

  void running() {
    phase = Phase.RUNNING;
  }

  void failed(String stage, Throwable e) {
    failure(stage).increment();
    lastError = stage + ": " + e.getMessage();
    lastErrorAt = System.currentTimeMillis();
    phase = Phase.RETRYING;
  }

  void behind(long events, long headHlcMillis) {
    this.behind = events;
    this.headHlcMillis = headHlcMillis;
  }

  void replicatedBatch(int events, long newestHlcMillis, long now) {
    replicated.increment(events);
    if (newestHlcMillis > 0) {
      lastLagMillis = Math.max(0, now - newestHlcMillis);
      lag.record(lastLagMillis / 1000.0);
    }
    lastReplicatedAt = now;
  }

  /**
   * A stray interrupt was cleared while the term held (counted as a failure of stage "interrupt").
   */
  void strayInterrupt() {
    failure("interrupt").increment();
  }

  void skippedEcho(int n) {
    echo.increment(n);
  }

  void skippedFiltered(int n) {
    filtered.increment(n);
  }

  /** Events not carried because a later event of the same batch deletes what they write. */
  void skippedSuperseded(int n) {
    superseded.increment(n);
  }

  /** An event given up on (the poison policy): counted and listed with its reason. */
  void deadLettered(ChangeEvent e, String reason) {
    deadLetters.add(e, reason, System.currentTimeMillis());
    deadLettered.increment();
  }

  /** The dead-letter list of this link (since this instance started). */
  public DeadLetters deadLetters() {
    return deadLetters;
  }

  void copyStarted(String digest, long size) {
    copies.put(digest, new long[] {0, size});
  }

  void copySent(String digest, long n) {
    bytes.increment(n);
    long[] c = copies.get(digest);
    if (c != null) {
      c[0] += n;
    }
  }

  void copyFinished(String digest, boolean copied) {
    copies.remove(digest);
    if (copied) {
      blobs.increment();
    }
  }

  /** How many events wait, read ahead, for the target's nodes (their blobs already copied). */
  public void aheadEvents(long n) {
    aheadEvents = n;
  }

  /** Seconds between the oldest event not yet handed over and now; 0 when nothing waits. */
  public double secondsBehind() {
    long head = headHlcMillis;
    if (!owner || head <= 0) {
      return 0;
    }
    return Math.max(0, System.currentTimeMillis() - head) / 1000.0;
  }

  /** A JSON-ready snapshot. */
  public Map<String, Object> snapshot() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("link", link);
    m.put("instance", instance);
    m.put("owner", owner);
    m.put("ownerId", ownerId);
    m.put("epoch", epoch);
    m.put("phase", phase.name().toLowerCase(Locale.ROOT));
    m.put("eventsBehind", behind);
    m.put("eventsAhead", aheadEvents);
    m.put("secondsBehind", secondsBehind());
    m.put("lastLagMillis", lastLagMillis);
    m.put("lastReplicatedAt", lastReplicatedAt);
    m.put("eventsReplicated", (long) replicated.count());
    m.put("eventsSkippedEcho", (long) echo.count());
    m.put("eventsSkippedFiltered", (long) filtered.count());
    m.put("eventsSkippedSuperseded", (long) superseded.count());
    m.put("deadLetters", deadLetters.snapshot());
    m.put("bytesCopied", (long) bytes.count());
    m.put("blobsCopied", (long) blobs.count());
    Map<String, Long> f = new LinkedHashMap<>();
    failures.forEach((k, v) -> f.put(k, (long) v.count()));
    m.put("failures", f);
    Map<String, Map<String, Long>> inFlight = new LinkedHashMap<>();
    copies.forEach((d, c) -> inFlight.put(d, Map.of("sent", c[0], "size", c[1])));
    m.put("copying", inFlight);
    m.put("lastError", lastError);
    m.put("lastErrorAt", lastErrorAt);
    return m;
  }
}
