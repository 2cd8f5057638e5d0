package io.berth.node.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The stream that withholds the tail of a teed blob until its digest matched. */
class HoldbackOutputStreamTest {

  static final class Recording extends ByteArrayOutputStream {
    boolean closed;

    @Override
    public void close() {
      closed = true;
    }
  }

  @Test
  void theLastBytesAreWithheldUntilReleasedWhateverTheWriteSizes() throws IOException {
    byte[] data = new byte[100_000];
    new Random(1).nextBytes(data);
    for (int chunk : new int[] {1, 7, 100, 1000, 4096, 5000, 100_000}) {
      Recording out = new Recording();
      HoldbackOutputStream h = new HoldbackOutputStream(out, 4096);
      for (int off = 0; off < data.length; off += chunk) {
        int n = Math.min(chunk, data.length - off);
        h.write(data, off, n);
        assertThat(out.size() + h.withheld()).isEqualTo(off + n);
        assertThat(h.withheld()).isEqualTo(Math.min(4096, off + n));
      }
      h.close();
      assertThat(out.closed).as("close alone never completes the response").isFalse();
      assertThat(out.size()).isEqualTo(data.length - 4096);
      h.release();
      assertThat(out.toByteArray()).as("chunk " + chunk).isEqualTo(data);
      assertThat(out.closed).isTrue();
    }
  }

  @Test
  void aShortBodyIsWithheldWholeAndSingleBytesWork() throws IOException {
    Recording out = new Recording();
    HoldbackOutputStream h = new HoldbackOutputStream(out, 10);
    h.write('a');
    h.write(new byte[] {'b', 'c'});
    assertThat(out.size()).isZero();
    h.release();
    h.release();
    assertThat(out.toString()).isEqualTo("abc");
  }
}
