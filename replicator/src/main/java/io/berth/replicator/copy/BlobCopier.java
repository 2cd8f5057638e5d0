package io.berth.replicator.copy;

import io.berth.replicator.region.Fence;
import io.berth.replicator.region.RegionClient;
import io.berth.replicator.region.RegionException;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies one blob from a source region to a target region as a stream (never whole in memory),
 * under the link's bandwidth limit. The target verifies digest and size as it stores; a mismatch
 * stores nothing.
 *
 * <p>Failures: an interrupted source read resumes at the offset reached (on any source node), so
 * the target stream continues; a target failure restarts the copy from 0 (the target discards the
 * partial write, so nothing is left behind). Retries wait with bounded backoff for as long as the
 * owner still holds the link; a stale fence ends the copy at once.
 */
public final class BlobCopier {
  private static final Logger log = LoggerFactory.getLogger(BlobCopier.class);
  static final int MAX_RESUMES = 5;

  private final RegionClient source;
  private final Sink target;
  private final Bandwidth bandwidth;
  private final Listener listener;
  private final int unavailableAttempts;

  /**
   * Where copies go: a target region's nodes ({@link RegionClient#writeBlob}) or its bucket. The
   * contract is {@link RegionClient#writeBlob}'s.
   */
  @FunctionalInterface
  public interface Sink {
    /**
     * Stores exactly {@code size} bytes read from {@code content} under {@code digest}, verified.
     *
     * @return whether the target already held the blob
     */
    boolean write(Fence fence, String digest, long size, InputStream content);
  }

  /** Told about progress and failures (metrics, status). */
  public interface Listener {
    /** {@code bytes} more were sent to the target. */
    void sent(String digest, long bytes);

    /** A copy attempt began: {@code offset} 0, {@code size} the blob's size. */
    void started(String digest, long size);

    /** The copy ended: {@code copied} false if the target already held it. */
    void finished(String digest, long size, boolean copied);

    /** An attempt failed and will be retried. */
    void failed(String digest, RuntimeException cause);
  }

  /**
   * @param target where copies go: a region's nodes ({@code region::writeBlob}) or its bucket
   * @param unavailableAttempts after this many attempts in a row that fail with {@link
   *     RegionException.Unavailable}, {@link #copy} throws it instead of waiting on (for a caller
   *     that has somewhere else to copy to; {@link Integer#MAX_VALUE}: wait as long as the owner
   *     holds the link); other failures are always retried
   */
  public BlobCopier(
      RegionClient source,
      Sink target,
      Bandwidth bandwidth,
      Listener listener,
      int unavailableAttempts) {
    this.source = source;
    this.target = target;
    this.unavailableAttempts = Math.max(1, unavailableAttempts);
    this.bandwidth = bandwidth;
    this.listener = listener;
  }

  /**
   * Copies {@code digest}, retrying until it is stored in the target.
   *
   * @param owner whether this instance still owns the link (checked before every attempt)
   * @throws RegionException.StaleFence if the target knows a newer owner
   * @throws RegionException.NoSuchBlob if the source lacks the blob (retrying cannot help)
   * @throws InterruptedException if leadership was lost meanwhile
   */
  public void copy(Fence fence, String digest, BooleanSupplier owner) throws InterruptedException {
    Backoff backoff = new Backoff();
    int unavailable = 0;
    while (true) {
      if (!owner.getAsBoolean() || Thread.currentThread().isInterrupted()) {
        throw new InterruptedException("no longer the owner of " + fence.link());
      }
      try {
        attempt(fence, digest);
        return;
      } catch (RegionException.StaleFence | RegionException.NoSuchBlob e) {
        throw e;
      } catch (RegionException e) {
        if (Thread.currentThread().isInterrupted()) {
          throw new InterruptedException("interrupted while copying " + digest);
        }
        listener.failed(digest, e);
        if (!(e instanceof RegionException.Unavailable)) {
          unavailable = 0;
        } else if (++unavailable >= unavailableAttempts) {
          throw e;
        }
        log.warn("copy of {} for {} failed, retrying: {}", digest, fence.link(), e.getMessage());
        backoff.pause();
      }
    }
  }

  private void attempt(Fence fence, String digest) {
    try (Resuming in = new Resuming(digest)) {
      listener.started(digest, in.size);
      boolean present = target.write(fence, digest, in.size, in);
      listener.finished(digest, in.size, !present);
    }
  }

  /** The source blob as one stream, reopened at the current offset after a source failure. */
  private final class Resuming extends InputStream {
    private final String digest;
    private final long size;
    private RegionClient.BlobStream current;
    private long offset;
    private int resumes;

    Resuming(String digest) {
      this.digest = digest;
      this.current = source.openBlob(digest, 0);
      this.size = current.size();
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      while (true) {
        try {
          int n = current.stream().read(b, off, len);
          if (n > 0) {
            bandwidth.acquire(n);
            offset += n;
            listener.sent(digest, n);
          } else if (n < 0 && offset < size) {
            throw new IOException("source stream ended at " + offset + " of " + size);
          }
          return n;
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new java.io.InterruptedIOException("interrupted while copying " + digest);
        } catch (IOException e) {
          if (Thread.currentThread().isInterrupted() || ++resumes > MAX_RESUMES) {
            throw e;
          }
          log.info("source read of {} broke at {}: {}; resuming", digest, offset, e.getMessage());
          current.close();
          try {
            Thread.sleep(100L * resumes);
            current = source.openBlob(digest, offset);
          } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while copying " + digest);
          } catch (RegionException re) {
            throw new IOException("cannot resume the source read: " + re.getMessage(), re);
          }
        }
      }
    }

    @Override
    public void close() {
      current.close();
    }
  }
}
