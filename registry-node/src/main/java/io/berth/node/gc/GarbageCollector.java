package io.berth.node.gc;

import io.berth.common.Digest;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.StoredBlob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online mark-and-sweep garbage collection of blobs (ADR 0008).
 *
 * <ol>
 *   <li>List the stored blobs; candidates are those not modified within the grace period.
 *   <li>Mark: collect every digest the {@link BlobReferences} name. This runs after the listing, so
 *       every index entry committed before a candidate was listed is seen.
 *   <li>Sweep each unmarked candidate under its {@link RecentWrites} lock: skip it if a writer on
 *       this node recorded it recently or at any time since the run began, re-read its modified
 *       time (a writer that re-put or touched it refreshed it) and skip it if it is now within the
 *       grace period, else delete it. Before each delete the ownership fence is checked.
 * </ol>
 *
 * Deletes go through the live store (so caches are invalidated). A failure in the mark phase
 * deletes nothing.
 */
public final class GarbageCollector {
  private static final Logger log = LoggerFactory.getLogger(GarbageCollector.class);

  /** At most this many deleted digests are listed in a report. */
  public static final int MAX_LISTED = 10_000;

  private final BlobStore store;
  private final RecentWrites writes;
  private final List<BlobReferences> references;
  private final Duration grace;
  private final Clock clock;
  private final Counter runs;
  private final Counter deletedBlobs;
  private final Counter deletedBytes;
  private final AtomicLong lastRunSeconds = new AtomicLong();

  public GarbageCollector(
      BlobStore store,
      RecentWrites writes,
      List<BlobReferences> references,
      Duration grace,
      Clock clock,
      MeterRegistry metrics) {
    this.store = store;
    this.writes = writes;
    this.references = List.copyOf(references);
    this.grace = grace;
    this.clock = clock;
    this.runs = Counter.builder("berth_gc_runs").register(metrics);
    this.deletedBlobs = Counter.builder("berth_gc_deleted_blobs").register(metrics);
    this.deletedBytes = Counter.builder("berth_gc_deleted_bytes").register(metrics);
    metrics.gauge("berth_gc_last_run_timestamp_seconds", lastRunSeconds);
  }

  /** The reference sources this collector marks from. */
  public List<BlobReferences> references() {
    return references;
  }

  /** One run. {@code stillOwner} is checked before every delete. */
  public GcReport run(boolean dryRun, BooleanSupplier stillOwner) {
    try (RecentWrites.Run written = writes.beginRun()) {
      return run(dryRun, stillOwner, written);
    }
  }

  private GcReport run(boolean dryRun, BooleanSupplier stillOwner, RecentWrites.Run written) {
    long started = clock.millis();
    long cutoff = started - grace.toMillis();
    List<StoredBlob> old = new ArrayList<>();
    long[] scanned = {0, 0};
    store.forEach(
        b -> {
          scanned[0]++;
          scanned[1] += b.size();
          if (b.modifiedMillis() < cutoff) {
            old.add(b);
          }
        });
    Set<Digest> live = new HashSet<>();
    for (BlobReferences r : references) {
      r.mark(cutoff, live::add);
    }
    long deleted = 0;
    long bytes = 0;
    long keptRecent = 0;
    List<GcReport.Deleted> listed = new ArrayList<>();
    String aborted = "";
    long candidates = 0;
    for (StoredBlob b : old) {
      if (live.contains(b.digest())) {
        continue;
      }
      candidates++;
      if (!stillOwner.getAsBoolean()) {
        aborted = "gave up ownership (leadership lost or node closing)";
        break;
      }
      if (written.overflowed()) {
        aborted = "too many blobs written during the run to track them; the next run continues";
        break;
      }
      Optional<StoredBlob> gone =
          writes.locked(
              b.digest(),
              () -> {
                if (written.recorded(b.digest()) || writes.isRecent(b.digest())) {
                  return Optional.empty();
                }
                Optional<StoredBlob> now = store.stat(b.digest());
                if (now.isEmpty() || now.get().modifiedMillis() >= cutoff) {
                  return Optional.empty();
                }
                if (!dryRun && !store.delete(b.digest())) {
                  return Optional.empty();
                }
                return now;
              });
      if (gone.isEmpty()) {
        keptRecent++;
        continue;
      }
      deleted++;
      bytes += gone.get().size();
      if (listed.size() < MAX_LISTED) {
        listed.add(
            new GcReport.Deleted(
                b.digest().toString(), gone.get().size(), gone.get().modifiedMillis()));
      }
      if (dryRun) {
        log.info("gc dry run: would delete {} ({} bytes)", b.digest(), gone.get().size());
      } else {
        log.info("gc: deleted unreferenced blob {} ({} bytes)", b.digest(), gone.get().size());
        deletedBlobs.increment();
        deletedBytes.increment(gone.get().size());
      }
    }
    runs.increment();
    lastRunSeconds.set(clock.millis() / 1000);
    GcReport report =
        new GcReport(
            dryRun,
            started,
            clock.millis() - started,
            grace.toSeconds(),
            scanned[0],
            scanned[1],
            live.size(),
            candidates,
            deleted,
            bytes,
            keptRecent,
            listed,
            aborted);
    log.info(report.summary());
    return report;
  }
}
