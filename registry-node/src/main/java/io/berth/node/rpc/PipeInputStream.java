package io.berth.node.rpc;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands the data messages of a client-streaming gRPC call to a blocking reader (the blob store)
 * with bounded memory: the call's inbound flow control is manual, and the reader asks for one more
 * message ({@code requestMore}) each time it takes one, so at most {@code capacity} chunks wait and
 * the gRPC thread never blocks.
 */
final class PipeInputStream extends InputStream {
  private static final byte[] END = new byte[0];

  private final BlockingQueue<byte[]> queue;
  private final Runnable requestMore;
  private final long stallMillis;
  private volatile Throwable failure;
  private byte[] current = new byte[0];
  private int pos;
  private boolean ended;

  /**
   * @param capacity how many messages the caller requested up front
   * @param requestMore asks the call for one more message
   * @param stallMillis how long the reader waits for the next message before failing
   */
  PipeInputStream(int capacity, Runnable requestMore, long stallMillis) {
    this.queue = new ArrayBlockingQueue<>(capacity + 1);
    this.requestMore = requestMore;
    this.stallMillis = stallMillis;
  }

  /** Adds a data message (called by the gRPC thread; never blocks within the requested budget). */
  void offer(byte[] data) {
    if (failure != null) {
      return;
    }
    if (!queue.offer(data)) {
      fail(new IOException("the sender sent more than it was asked for"));
    }
  }

  /** The sender completed the stream. */
  void finish() {
    if (failure == null && !queue.offer(END)) {
      fail(new IOException("the sender sent more than it was asked for"));
    }
  }

  /** Fails the reader with {@code cause} (sender cancelled, fenced off); discards what waits. */
  void fail(Throwable cause) {
    if (failure == null) {
      failure = cause;
    }
    queue.clear();
    queue.offer(END);
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (pos >= current.length) {
      checkFailure();
      if (ended) {
        return -1;
      }
      byte[] next;
      try {
        next = queue.poll(stallMillis, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for replicated data");
      }
      if (next == null) {
        throw new IOException("the sender sent nothing for " + stallMillis / 1000 + " s");
      }
      checkFailure();
      if (next == END) {
        ended = true;
        return -1;
      }
      current = next;
      pos = 0;
      requestMore.run();
    }
    int n = Math.min(len, current.length - pos);
    System.arraycopy(current, pos, b, off, n);
    pos += n;
    return n;
  }

  private void checkFailure() throws IOException {
    Throwable f = failure;
    if (f != null) {
      throw f instanceof IOException io ? io : new IOException(f.getMessage(), f);
    }
  }
}
