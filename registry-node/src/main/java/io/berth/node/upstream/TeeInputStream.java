package io.berth.node.upstream;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * Copies what is read to a side stream (the first client of a pull-through miss). If the side
 * stream fails (the client went away) copying stops, but reading goes on so the store completes.
 */
public final class TeeInputStream extends FilterInputStream {
  private OutputStream side;

  public TeeInputStream(InputStream in, OutputStream side) {
    super(in);
    this.side = side;
  }

  @Override
  public int read() throws IOException {
    int b = super.read();
    if (b >= 0 && side != null) {
      try {
        side.write(b);
      } catch (IOException e) {
        side = null;
      }
    }
    return b;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    int n = super.read(b, off, len);
    if (n > 0 && side != null) {
      try {
        side.write(b, off, n);
      } catch (IOException e) {
        side = null;
      }
    }
    return n;
  }
}
