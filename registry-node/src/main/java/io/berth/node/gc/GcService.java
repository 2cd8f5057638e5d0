package io.berth.node.gc;

import io.berth.node.cluster.JobOwner;
import java.time.Duration;
import java.util.Optional;

/**
 * Garbage collection under a single owner: runs {@link GarbageCollector} only while this process
 * owns the job ({@link JobOwner}), for the schedule, the admin API and {@code berth gc}.
 */
public final class GcService {
  private final GarbageCollector collector;
  private final JobOwner owner;
  private final boolean defaultDryRun;

  public GcService(GarbageCollector collector, JobOwner owner, boolean defaultDryRun) {
    this.collector = collector;
    this.owner = owner;
    this.defaultDryRun = defaultDryRun;
  }

  /**
   * One run now, if ownership can be had within {@code wait}.
   *
   * @param dryRun null for the configured default
   * @return the report, or empty when another process owns garbage collection
   */
  public Optional<GcReport> runNow(Boolean dryRun, Duration wait) throws InterruptedException {
    boolean dry = dryRun == null ? defaultDryRun : dryRun;
    return owner.runAsOwner(wait, stillOwner -> collector.run(dry, stillOwner));
  }

  /** Who owns garbage collection, for messages. */
  public String owner() {
    return owner.describe();
  }

  public GarbageCollector collector() {
    return collector;
  }
}
