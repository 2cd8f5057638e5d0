package io.berth.node.upstream;

import java.io.IOException;
import java.io.OutputStream;

/**
 * Passes bytes on to a client stream but always withholds the most recent {@code holdback} bytes,
 * until {@link #release} writes them and closes the client stream. A pull-through fill tees the
 * upstream body to its first client through this stream and releases it only after the store
 * verified the digest: if the content does not match, the client never receives a complete body
 * (the response is aborted short of its end instead), so even a client that does not check digests
 * cannot take wrong content for the blob.
 *
 * <p>{@link #close} does not complete the response; only {@link #release} does, and {@link #abort}
 * ends it as failed. Not thread-safe.
 */
public final class HoldbackOutputStream extends OutputStream implements ClientSink.Abortable {
  private final OutputStream out;
  private final byte[] held;
  private int count;
  private boolean released;

  public HoldbackOutputStream(OutputStream out, int holdback) {
    if (holdback <= 0) {
      throw new IllegalArgumentException("holdback must be positive");
    }
    this.out = out;
    this.held = new byte[holdback];
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    if (released) {
      throw new IOException("already released");
    }
    int cap = held.length;
    if (len >= cap) {
      if (count > 0) {
        out.write(held, 0, count);
        count = 0;
      }
      out.write(b, off, len - cap);
      System.arraycopy(b, off + len - cap, held, 0, cap);
      count = cap;
      return;
    }
    int overflow = count + len - cap;
    if (overflow > 0) {
      out.write(held, 0, overflow);
      System.arraycopy(held, overflow, held, 0, count - overflow);
      count -= overflow;
    }
    System.arraycopy(b, off, held, count, len);
    count += len;
  }

  /** How many bytes are withheld right now. */
  public int withheld() {
    return count;
  }

  /** Writes the withheld bytes and closes the client stream, completing the response. */
  public void release() throws IOException {
    if (released) {
      return;
    }
    released = true;
    if (count > 0) {
      out.write(held, 0, count);
      count = 0;
    }
    out.close();
  }

  /** Drops the withheld bytes and aborts the client stream (the fill failed). */
  @Override
  public void abort() {
    if (released) {
      return;
    }
    released = true;
    count = 0;
    ClientSink.abort(out);
  }

  /** Does nothing: an unreleased stream is never completed. */
  @Override
  public void close() {}
}
