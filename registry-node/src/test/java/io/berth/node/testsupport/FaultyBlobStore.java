package io.berth.node.testsupport;

import io.berth.common.Digest;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.ForwardingBlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Wraps a real blob store and injects read faults for chosen digests: opening the content fails at
 * once, or its stream fails after a number of bytes (a disk error or an object-store reset in the
 * middle of a read); or every put fails after reading its input (a storage write error). Readers of
 * a faulty digest offer no local file, so the HTTP layer streams them instead of sending the file
 * with zero-copy.
 */
public final class FaultyBlobStore extends ForwardingBlobStore {
  private final Map<Digest, Long> failAfter = new ConcurrentHashMap<>();
  private volatile boolean failPuts;

  public FaultyBlobStore(BlobStore inner) {
    super(inner);
  }

  /** Reads of {@code digest} fail after {@code bytes} bytes (0: opening fails). */
  public void failReads(Digest digest, long bytes) {
    failAfter.put(digest, bytes);
  }

  /** Every put reads its whole input and then fails with an IOException (a storage write error). */
  public void failPuts(boolean fail) {
    failPuts = fail;
  }

  /** Reads of every digest (and puts) work again. */
  public void heal() {
    failAfter.clear();
    failPuts = false;
  }

  @Override
  public StoredBlob put(InputStream in, PutExpectation expectation) throws IOException {
    if (failPuts) {
      in.transferTo(java.io.OutputStream.nullOutputStream());
      throw new IOException("injected storage write error");
    }
    return super.put(in, expectation);
  }

  /**
   * Streams the file through {@link #put} (as a plain store's default adopt does), so injected put
   * faults fail adopted uploads too.
   */
  @Override
  public StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
    return adoptThroughPut(file, expectation);
  }

  @Override
  public Optional<BlobReader> open(Digest digest) {
    Optional<BlobReader> r = super.open(digest);
    Long after = failAfter.get(digest);
    if (r.isEmpty() || after == null) {
      return r;
    }
    BlobReader real = r.get();
    return Optional.of(
        new BlobReader() {
          @Override
          public long size() {
            return real.size();
          }

          @Override
          public InputStream openRange(long offset, long length) throws IOException {
            if (after == 0) {
              throw new IOException("injected read error opening " + digest);
            }
            return new FailingStream(real.openRange(offset, length), after);
          }
        });
  }

  private static final class FailingStream extends FilterInputStream {
    private long left;

    FailingStream(InputStream in, long failAfter) {
      super(in);
      this.left = failAfter;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (left <= 0) {
        throw new IOException("injected read error in the middle of the blob");
      }
      int n = super.read(b, off, (int) Math.min(len, left));
      if (n > 0) {
        left -= n;
      }
      return n;
    }
  }
}
