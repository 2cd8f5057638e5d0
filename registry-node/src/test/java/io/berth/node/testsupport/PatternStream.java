package io.berth.node.testsupport;

import io.berth.common.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.SplittableRandom;

/**
 * A deterministic, incompressible stream of {@code size} pseudo-random bytes generated on the fly
 * (never held in memory), for large-blob tests. The same size and seed give the same bytes.
 */
public class PatternStream extends InputStream {
  private final long size;
  private final SplittableRandom random;
  private long position;
  private long word;
  private int wordLeft;

  public PatternStream(long size, long seed) {
    this.size = size;
    this.random = new SplittableRandom(seed);
  }

  /** How many bytes were read so far. */
  public long position() {
    return position;
  }

  @Override
  public int read() throws IOException {
    byte[] b = new byte[1];
    return read(b, 0, 1) < 0 ? -1 : b[0] & 0xff;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (position >= size) {
      return -1;
    }
    int n = (int) Math.min(len, size - position);
    for (int i = 0; i < n; i++) {
      if (wordLeft == 0) {
        word = random.nextLong();
        wordLeft = 8;
      }
      b[off + i] = (byte) word;
      word >>>= 8;
      wordLeft--;
    }
    position += n;
    return n;
  }

  /** The sha256 digest of the stream with this size and seed. */
  public static Digest digest(long size, long seed) {
    try (PatternStream s = new PatternStream(size, seed)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = s.read(buf, 0, buf.length)) > 0) {
        md.update(buf, 0, n);
      }
      return Digest.of(Digest.Algorithm.SHA256, md.digest());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
