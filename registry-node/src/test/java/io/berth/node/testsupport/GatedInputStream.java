package io.berth.node.testsupport;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.CountDownLatch;

/**
 * A stream that passes {@code gateAt} bytes of another, then blocks (counting down {@link
 * #reached()}) until {@link #open()}: a writer that holds on to what it has read so far.
 */
public final class GatedInputStream extends FilterInputStream {
  private final long gateAt;
  private final CountDownLatch reached = new CountDownLatch(1);
  private final CountDownLatch open = new CountDownLatch(1);
  private long pos;

  public GatedInputStream(InputStream in, long gateAt) {
    super(in);
    this.gateAt = gateAt;
  }

  /** Counted down when a read reached the gate. */
  public CountDownLatch reached() {
    return reached;
  }

  /** Lets the reads go on. */
  public void open() {
    open.countDown();
  }

  @Override
  public int read() throws IOException {
    byte[] one = new byte[1];
    return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (pos >= gateAt && open.getCount() > 0) {
      reached.countDown();
      try {
        open.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted at the gate");
      }
    }
    int max = pos < gateAt ? (int) Math.min(len, gateAt - pos) : len;
    int n = super.read(b, off, max);
    if (n > 0) {
      pos += n;
    }
    return n;
  }
}
