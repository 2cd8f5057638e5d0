package io.berth.replicator.bucket;

import java.io.InputStream;
import java.util.Collection;
import java.util.List;

/**
 * A target region's blob bucket, written by a link directly while the region's nodes do not answer
 * (docs/adr/0022-copy-ahead-into-the-bucket.md). Only blobs go this way: events are still handed
 * over through a node, under the link's fence, once the region answers again. A blob is content
 * addressed and verified before it becomes visible, so a write needs no fence: a stale owner can
 * only store the same bytes again.
 *
 * <p>Contract, checked by {@code TargetBucketContract}:
 *
 * <ul>
 *   <li>{@link #missing} returns exactly the given digests that have no object under {@link
 *       io.berth.common.BlobKeys#blob} in the bucket, in the given order.
 *   <li>{@link #writeBlob} reads exactly {@code size} bytes and stores them under the digest's key
 *       only if they hash to the digest ({@link
 *       io.berth.replicator.region.RegionException.Mismatch} otherwise). A failed write leaves
 *       neither an object nor an unfinished multipart upload behind.
 *   <li>When the bucket cannot be reached or fails: {@link
 *       io.berth.replicator.region.RegionException.Unavailable}.
 *   <li>Memory: at most {@code bufferBytes} of blob content are held at once, whatever the number
 *       of concurrent writes (a write waits for its share).
 * </ul>
 */
public interface TargetBucket extends AutoCloseable {

  /** The region whose bucket this is. */
  String region();

  /** The digests among {@code digests} the bucket lacks. */
  List<String> missing(Collection<String> digests);

  /**
   * Stores the blob read from {@code content} (exactly {@code size} bytes), verified against {@code
   * digest}.
   *
   * @return whether the bucket already held it (then {@code content} was not read)
   */
  boolean writeBlob(String digest, long size, InputStream content);

  @Override
  void close();
}
