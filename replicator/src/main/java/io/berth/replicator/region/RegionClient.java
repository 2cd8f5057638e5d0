package io.berth.replicator.region;

import io.berth.proto.events.v1.ChangeEvent;
import java.io.InputStream;
import java.util.Collection;
import java.util.List;

/**
 * Talks to the nodes of one region (over gRPC in production). Any node of the region may answer:
 * the nodes share one blob store and one log.
 *
 * <p>Contract, checked by {@code RegionClientContract} for every implementation:
 *
 * <ul>
 *   <li>{@link #missing} returns exactly the given digests the region's store lacks.
 *   <li>{@link #openBlob} streams a stored blob from an offset; {@link RegionException.NoSuchBlob}
 *       if the region lacks it.
 *   <li>{@link #writeBlob} streams content into the store; the blob becomes visible only if the
 *       content matches its digest and size ({@link RegionException.Mismatch} otherwise, and
 *       nothing is stored).
 *   <li>Every write ({@link #beginTerm}, {@link #writeBlob}, {@link #republish}) carries a {@link
 *       Fence}; once the region has seen a higher epoch for the link, a lower one is refused with
 *       {@link RegionException.StaleFence}.
 *   <li>{@link #republish} hands events over only if every blob they name is stored ({@link
 *       RegionException.MissingBlobs} otherwise, and nothing is handed over); events the region
 *       already holds are skipped; it returns once the region's log has them.
 *   <li>When no node answers: {@link RegionException.Unavailable}.
 * </ul>
 */
public interface RegionClient extends AutoCloseable {

  /** The region's name. */
  String region();

  /** Announces a link owner's term to the region's nodes; returns how many nodes were reached. */
  int beginTerm(Fence fence);

  /** The digests among {@code digests} the region's store lacks. */
  List<String> missing(Collection<String> digests);

  /** A stored blob, streamed from {@code offset}; the caller closes it. */
  BlobStream openBlob(String digest, long offset);

  /**
   * Stores the blob read from {@code content} (exactly {@code size} bytes).
   *
   * @return whether the region already held it (then {@code content} may not have been read)
   */
  boolean writeBlob(Fence fence, String digest, long size, InputStream content);

  /** Hands events over for the region's log; returns how many were new there. */
  default int republish(Fence fence, List<ChangeEvent> events) {
    return republish(fence, events, List.of());
  }

  /**
   * The same, stating which of the events' blobs this link owner wrote into the region's bucket
   * itself ({@code written}, ADR 0024), so that the region may take them as stored without looking
   * each one up. The statement changes no outcome: a region that does not find a stated blob
   * answers as if nothing had been stated.
   */
  int republish(Fence fence, List<ChangeEvent> events, List<BucketWrite> written);

  /** The region's nodes with their last known state, for the status page. */
  List<NodeState> nodes();

  @Override
  void close();

  /** An open blob read: its total size, and the bytes from the requested offset. */
  interface BlobStream extends AutoCloseable {
    long size();

    InputStream stream();

    @Override
    void close();
  }

  /**
   * A blob this link owner wrote into the region's bucket: its digest, size and when the write
   * completed (wall clock, ms).
   */
  record BucketWrite(String digest, long size, long writtenMillis) {}

  /** A node and whether its last call succeeded. */
  record NodeState(String endpoint, boolean up, String lastError) {}
}
