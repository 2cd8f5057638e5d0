package io.berth.node.scrub;

import io.berth.node.cluster.JobOwner;
import java.time.Duration;
import java.util.Optional;

/** Scrub under a single owner ({@link JobOwner}), for the schedule, the admin API and the CLI. */
public final class ScrubService {
  private final Scrubber scrubber;
  private final JobOwner owner;

  public ScrubService(Scrubber scrubber, JobOwner owner) {
    this.scrubber = scrubber;
    this.owner = owner;
  }

  /** One pass now, or empty when another process owns scrub. */
  public Optional<ScrubReport> runNow(Duration wait) throws InterruptedException {
    return owner.runAsOwner(
        wait,
        stillOwner -> {
          try {
            return scrubber.run(stillOwner);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("scrub interrupted", e);
          }
        });
  }

  public String owner() {
    return owner.describe();
  }
}
