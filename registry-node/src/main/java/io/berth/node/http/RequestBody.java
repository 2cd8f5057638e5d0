package io.berth.node.http;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;

/**
 * The request body as a blocking {@link InputStream} fed by the event loop. It applies
 * backpressure: past {@link #HIGH_WATER} queued bytes the channel stops reading until the worker
 * has drained the queue below {@link #LOW_WATER}, so a slow consumer never buffers a whole upload.
 */
final class RequestBody extends InputStream {
  static final int HIGH_WATER = 1 << 20;
  static final int LOW_WATER = 256 << 10;

  interface FlowControl {
    void pause();

    void resume();
  }

  private final ArrayDeque<ByteBuf> queue = new ArrayDeque<>();
  private final FlowControl flow;
  private long queued;
  private boolean ended;
  private boolean closed;
  private boolean paused;
  private IOException failure;
  private boolean readFailed;
  private long received;

  private final long timeoutMillis;

  RequestBody(FlowControl flow, long timeoutMillis) {
    this.flow = flow;
    this.timeoutMillis = timeoutMillis;
  }

  /** Event loop: more content arrived (retained by the caller for us). */
  synchronized void offer(ByteBuf buf, boolean last) {
    if (closed) {
      buf.release();
    } else if (buf.isReadable()) {
      queue.add(buf);
      queued += buf.readableBytes();
      received += buf.readableBytes();
    } else {
      buf.release();
    }
    if (last) {
      ended = true;
    }
    if (!paused && queued > HIGH_WATER && !ended) {
      paused = true;
      flow.pause();
    }
    notifyAll();
  }

  /** Event loop: the connection broke before the body ended. */
  synchronized void fail(IOException e) {
    if (!ended) {
      failure = e;
    }
    notifyAll();
  }

  synchronized boolean ended() {
    return ended;
  }

  synchronized long received() {
    return received;
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    int n = read(one, 0, 1);
    return n < 0 ? -1 : one[0] & 0xff;
  }

  /** Whether a read of this body failed (the client broke off, stalled or sent a bad body). */
  synchronized boolean readFailed() {
    return readFailed;
  }

  @Override
  public synchronized int read(byte[] b, int off, int len) throws IOException {
    try {
      return readBody(b, off, len);
    } catch (IOException e) {
      readFailed = true;
      throw e;
    }
  }

  private int readBody(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    while (queue.isEmpty()) {
      if (closed) {
        throw new IOException("request body closed");
      }
      if (ended) {
        return -1;
      }
      if (failure != null) {
        throw failure;
      }
      long waitedFrom = System.nanoTime();
      try {
        wait(timeoutMillis);
        if (queue.isEmpty()
            && !ended
            && failure == null
            && !closed
            && System.nanoTime() - waitedFrom >= timeoutMillis * 1_000_000L) {
          throw new BodyTimeoutException(
              "no request body data for " + timeoutMillis / 1000 + " s (truncated upload?)");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while reading the request body");
      }
    }
    ByteBuf head = queue.peek();
    int n = Math.min(len, head.readableBytes());
    head.readBytes(b, off, n);
    queued -= n;
    if (!head.isReadable()) {
      queue.poll().release();
    }
    if (paused && queued < LOW_WATER) {
      paused = false;
      flow.resume();
    }
    return n;
  }

  @Override
  public synchronized int available() {
    return (int) Math.min(Integer.MAX_VALUE, queued);
  }

  @Override
  public synchronized void close() {
    closed = true;
    ByteBuf b;
    while ((b = queue.poll()) != null) {
      b.release();
    }
    queued = 0;
    if (paused) {
      paused = false;
      flow.resume();
    }
    notifyAll();
  }
}
