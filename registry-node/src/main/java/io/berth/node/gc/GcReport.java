package io.berth.node.gc;

import java.util.List;

/**
 * What one garbage-collection run did (or, with {@code dryRun}, would do). {@code deleted} lists at
 * most {@link GarbageCollector#MAX_LISTED} digests; the counts are complete. {@code aborted} is
 * non-empty when the run stopped early (ownership lost, node closing).
 */
public record GcReport(
    boolean dryRun,
    long startedUnixMillis,
    long durationMillis,
    long graceSeconds,
    long scannedBlobs,
    long scannedBytes,
    long referencedDigests,
    long candidates,
    long deletedBlobs,
    long deletedBytes,
    long keptRecentlyWritten,
    List<Deleted> deleted,
    String aborted) {

  /** One deleted (or, in a dry run, deletable) blob. */
  public record Deleted(String digest, long size, long modifiedUnixMillis) {}

  /** A one-line summary for logs and the CLI. */
  public String summary() {
    return (dryRun ? "gc dry run: would delete " : "gc: deleted ")
        + deletedBlobs
        + " unreferenced blobs ("
        + deletedBytes
        + " bytes) of "
        + scannedBlobs
        + " scanned ("
        + scannedBytes
        + " bytes); "
        + referencedDigests
        + " referenced digests, "
        + keptRecentlyWritten
        + " kept as recently written, grace "
        + graceSeconds
        + " s, "
        + durationMillis
        + " ms"
        + (aborted.isEmpty() ? "" : "; aborted: " + aborted);
  }
}
