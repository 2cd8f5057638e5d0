package io.berth.node.scrub;

import java.util.List;

/**
 * What one scrub run found: blobs and bytes re-hashed, the corrupt ones (at most {@link
 * Scrubber#MAX_LISTED} listed), how many were quarantined and repaired. {@code aborted} is
 * non-empty when the run stopped early.
 */
public record ScrubReport(
    long startedUnixMillis,
    long durationMillis,
    long scannedBlobs,
    long scannedBytes,
    long corruptBlobs,
    long quarantined,
    long repaired,
    long unreadable,
    List<Corrupt> corrupt,
    String aborted) {

  /** One corrupt blob: its digest, what its content hashed to, and what happened to it. */
  public record Corrupt(String digest, String actual, boolean quarantined, String repairedFrom) {}

  public String summary() {
    return "scrub: "
        + scannedBlobs
        + " blobs ("
        + scannedBytes
        + " bytes) re-hashed, "
        + corruptBlobs
        + " corrupt, "
        + quarantined
        + " quarantined, "
        + repaired
        + " repaired, "
        + unreadable
        + " unreadable, "
        + durationMillis
        + " ms"
        + (aborted.isEmpty() ? "" : "; aborted: " + aborted);
  }
}
