package io.berth.node.scrub;

import io.berth.common.Digest;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.StoredBlob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Integrity scrub: re-reads every stored blob from the backing store (never from a cache), at most
 * {@code bytesPerSecond}, and compares its hash with its digest. A corrupt blob is counted ({@code
 * berth_scrub_corrupt_total}), logged, quarantined (moved out of the live keyspace, so it is never
 * served again) and, when a {@link BlobRepairSource} has a verified copy, stored again.
 */
public final class Scrubber {
  private static final Logger log = LoggerFactory.getLogger(Scrubber.class);

  /** At most this many corrupt blobs are listed in a report. */
  public static final int MAX_LISTED = 10_000;

  private final BlobStore raw;
  private final BlobStore live;
  private final List<BlobRepairSource> repairs;
  private final long bytesPerSecond;
  private final boolean quarantine;
  private final boolean repair;
  private final Clock clock;
  private final Counter scannedBlobs;
  private final Counter scannedBytes;
  private final Counter corrupt;
  private final Counter quarantined;
  private final Counter repaired;

  /**
   * @param raw the backing store, read directly (a cache in front would hide corruption)
   * @param live the store the node serves from, used to quarantine and repair (so caches are
   *     invalidated)
   */
  public Scrubber(
      BlobStore raw,
      BlobStore live,
      List<BlobRepairSource> repairs,
      long bytesPerSecond,
      boolean quarantine,
      boolean repair,
      Clock clock,
      MeterRegistry metrics) {
    this.raw = raw;
    this.live = live;
    this.repairs = List.copyOf(repairs);
    this.bytesPerSecond = bytesPerSecond;
    this.quarantine = quarantine;
    this.repair = repair;
    this.clock = clock;
    this.scannedBlobs = Counter.builder("berth_scrub_scanned_blobs").register(metrics);
    this.scannedBytes = Counter.builder("berth_scrub_scanned_bytes").register(metrics);
    this.corrupt = Counter.builder("berth_scrub_corrupt").register(metrics);
    this.quarantined = Counter.builder("berth_scrub_quarantined").register(metrics);
    this.repaired = Counter.builder("berth_scrub_repaired").register(metrics);
  }

  /** One pass over every stored blob; stops early when {@code keepGoing} turns false. */
  public ScrubReport run(BooleanSupplier keepGoing) throws InterruptedException {
    long started = clock.millis();
    List<StoredBlob> blobs = new ArrayList<>();
    raw.forEach(blobs::add);
    ByteRate rate = new ByteRate(bytesPerSecond);
    long blobsDone = 0;
    long bytesDone = 0;
    long unreadable = 0;
    long nQuarantined = 0;
    long nRepaired = 0;
    List<ScrubReport.Corrupt> found = new ArrayList<>();
    long nCorrupt = 0;
    String aborted = "";
    byte[] buf = new byte[64 * 1024];
    for (StoredBlob b : blobs) {
      if (!keepGoing.getAsBoolean()) {
        aborted = "stopped (ownership lost or node closing)";
        break;
      }
      Optional<BlobReader> r = raw.open(b.digest());
      if (r.isEmpty()) {
        continue;
      }
      MessageDigest md = b.digest().algorithm().newMessageDigest();
      long size = 0;
      try (InputStream in = r.get().openStream()) {
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
          size += n;
          rate.acquire(n);
        }
      } catch (IOException | RuntimeException e) {
        unreadable++;
        log.warn("scrub: cannot read blob {}: {}", b.digest(), e.toString());
        continue;
      }
      blobsDone++;
      bytesDone += size;
      scannedBlobs.increment();
      scannedBytes.increment(size);
      Digest actual = Digest.of(b.digest().algorithm(), md.digest());
      if (actual.equals(b.digest())) {
        continue;
      }
      nCorrupt++;
      corrupt.increment();
      log.error(
          "scrub: CORRUPT blob {} ({} bytes) hashes to {}; {}",
          b.digest(),
          size,
          actual,
          quarantine ? "quarantining it" : "quarantine is off, it is still served");
      boolean q = false;
      String from = "";
      if (quarantine) {
        q = live.quarantine(b.digest());
        if (q) {
          nQuarantined++;
          quarantined.increment();
        }
        if (repair) {
          from = repair(b.digest());
          if (!from.isEmpty()) {
            nRepaired++;
            repaired.increment();
          }
        }
      }
      if (found.size() < MAX_LISTED) {
        found.add(new ScrubReport.Corrupt(b.digest().toString(), actual.toString(), q, from));
      }
    }
    ScrubReport report =
        new ScrubReport(
            started,
            clock.millis() - started,
            blobsDone,
            bytesDone,
            nCorrupt,
            nQuarantined,
            nRepaired,
            unreadable,
            found,
            aborted);
    log.info(report.summary());
    return report;
  }

  private String repair(Digest d) {
    for (BlobRepairSource s : repairs) {
      try {
        if (s.repair(d, live)) {
          log.info("scrub: repaired blob {} from {}", d, s.name());
          return s.name();
        }
      } catch (Exception e) {
        log.warn("scrub: repair of {} from {} failed: {}", d, s.name(), e.toString());
      }
    }
    log.error("scrub: blob {} stays quarantined: no repair source has a copy", d);
    return "";
  }
}
