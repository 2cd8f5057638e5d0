package io.berth.node.upstream;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The response stream of a {@link ClientSink}, opened only when the first byte is written (or at
 * {@link #close}). A pull-through fill tees the upstream body to its first client through it, so a
 * store that refuses the content before reading any of it (for example storage busy) leaves the
 * response unstarted, and the client gets the protocol's error answer (503 + Retry-After) instead
 * of an aborted 200. Not thread-safe.
 */
public final class LazyClientStream extends OutputStream implements ClientSink.Abortable {
  private final ClientSink sink;
  private final long length;
  private OutputStream out;
  private boolean aborted;

  /**
   * @param length the content length for {@link ClientSink#open}, or -1 if unknown
   */
  public LazyClientStream(ClientSink sink, long length) {
    this.sink = sink;
    this.length = length;
  }

  private OutputStream out() throws IOException {
    if (aborted) {
      throw new IOException("response aborted");
    }
    if (out == null) {
      out = sink.open(length);
    }
    return out;
  }

  /** Whether the response has been started. */
  public boolean opened() {
    return out != null;
  }

  @Override
  public void write(int b) throws IOException {
    out().write(b);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return;
    }
    out().write(b, off, len);
  }

  @Override
  public void flush() throws IOException {
    if (out != null) {
      out.flush();
    }
  }

  /** Completes the response (opening it first if nothing was written); nothing after an abort. */
  @Override
  public void close() throws IOException {
    if (aborted) {
      return;
    }
    out().close();
  }

  /**
   * Aborts the response if it was started (the client sees a broken connection); a response never
   * started stays unstarted, so the handler can still answer with the protocol's error.
   */
  @Override
  public void abort() {
    aborted = true;
    ClientSink.abort(out);
  }
}
