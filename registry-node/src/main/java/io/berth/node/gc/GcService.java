package io.berth.node.gc;

import io.berth.node.cluster.JobOwner;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Garbage collection under a single owner: runs {@link GarbageCollector} only while this process
 * owns the job ({@link JobOwner}), for the schedule, the admin API and {@code berth gc}. A run that
 * would delete is refused while {@link GcSafety} says sweeping is unsafe (shared storage without an
 * elected owner or without a caught-up change log); the refusal is logged, counted ({@code
 * berth_gc_skipped{reason}}) and kept for {@link #status()}. Dry runs are always allowed.
 */
public final class GcService {
  private static final Logger log = LoggerFactory.getLogger(GcService.class);

  private final GarbageCollector collector;
  private final JobOwner owner;
  private final boolean defaultDryRun;
  private final GcSafety safety;
  private final MeterRegistry metrics;
  private final Clock clock;
  private volatile Skipped lastSkipped;
  private volatile GcReport lastReport;

  /** A refused run: when and why. */
  public record Skipped(long atUnixMillis, String code, String reason) {}

  /**
   * What the status API shows: who owns GC, whether a sweep is safe now (and if not, why), the last
   * refused run and the last run's report.
   */
  public record Status(
      String owner, boolean safe, String unsafeReason, Skipped lastSkipped, GcReport lastRun) {}

  public GcService(
      GarbageCollector collector,
      JobOwner owner,
      boolean defaultDryRun,
      GcSafety safety,
      MeterRegistry metrics,
      Clock clock) {
    this.collector = collector;
    this.owner = owner;
    this.defaultDryRun = defaultDryRun;
    this.safety = safety;
    this.metrics = metrics;
    this.clock = clock;
  }

  /**
   * One run now, if ownership can be had within {@code wait}.
   *
   * @param dryRun null for the configured default
   * @return the report, or empty when another process owns garbage collection
   * @throws GcRefusedException when the run would delete but sweeping is not safe now
   */
  public Optional<GcReport> runNow(Boolean dryRun, Duration wait) throws InterruptedException {
    return runNow(dryRun, wait, false);
  }

  /**
   * Like {@link #runNow(Boolean, Duration)}; {@code overrideSafety} skips the {@link GcSafety}
   * check (the operator asserts the index is complete, {@code berth gc
   * --i-know-the-index-is-complete}).
   */
  public Optional<GcReport> runNow(Boolean dryRun, Duration wait, boolean overrideSafety)
      throws InterruptedException {
    boolean dry = dryRun == null ? defaultDryRun : dryRun;
    Optional<Object> outcome =
        owner.runAsOwner(
            wait,
            stillOwner -> {
              if (!dry && !overrideSafety) {
                Optional<GcSafety.Refusal> refused = safety.check();
                if (refused.isPresent()) {
                  return refused.get();
                }
              }
              return collector.run(dry, stillOwner);
            });
    if (outcome.isPresent() && outcome.get() instanceof GcSafety.Refusal r) {
      lastSkipped = new Skipped(clock.millis(), r.code(), r.reason());
      Counter.builder("berth_gc_skipped").tag("reason", r.code()).register(metrics).increment();
      log.warn("garbage collection skipped, nothing deleted: {}", r.reason());
      throw new GcRefusedException(r);
    }
    Optional<GcReport> report = outcome.map(GcReport.class::cast);
    report.ifPresent(r -> lastReport = r);
    return report;
  }

  /** Who owns garbage collection, for messages. */
  public String owner() {
    return owner.describe();
  }

  /** The current state, for {@code GET /_berth/api/gc/status}. */
  public Status status() {
    Optional<GcSafety.Refusal> now = safety.check();
    return new Status(
        owner.describe(),
        now.isEmpty(),
        now.map(GcSafety.Refusal::reason).orElse(""),
        lastSkipped,
        lastReport);
  }

  public GarbageCollector collector() {
    return collector;
  }
}
