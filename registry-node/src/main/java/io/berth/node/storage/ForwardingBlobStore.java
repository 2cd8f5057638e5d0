package io.berth.node.storage;

import io.berth.common.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A blob store that wraps another one (a cache, a GC guard, a fault injector in tests).
 *
 * <p>Contract: every {@link BlobStore} method, including the interface's default methods {@link
 * #adopt} and {@link #reference}, is forwarded unchanged to {@link #delegate()} (the same
 * arguments, the same {@link PutExpectation} with its listeners, the result and exceptions as they
 * are). A subclass overrides only the methods whose behaviour it changes and calls {@code super}
 * (or {@link #delegate()}) for the wrapped store's part. {@link #close} closes the delegate.
 */
public abstract class ForwardingBlobStore implements BlobStore {
  private final BlobStore delegate;

  protected ForwardingBlobStore(BlobStore delegate) {
    this.delegate = delegate;
  }

  /** The wrapped store every method forwards to. */
  protected final BlobStore delegate() {
    return delegate;
  }

  /**
   * {@link BlobStore#adopt}'s default behaviour for this store: streams the file through this
   * store's own {@link #put}, so what a subclass does on put applies to adopted files too (instead
   * of the delegate adopting, and perhaps moving, the file).
   */
  protected final StoredBlob adoptThroughPut(Path file, PutExpectation expectation)
      throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return put(in, expectation);
    }
  }

  @Override
  public StoredBlob put(InputStream in, PutExpectation expectation) throws IOException {
    return delegate.put(in, expectation);
  }

  @Override
  public StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
    return delegate.adopt(file, expectation);
  }

  @Override
  public Optional<StoredBlob> stat(Digest digest) {
    return delegate.stat(digest);
  }

  @Override
  public void sizeSeen(Digest digest, long size) {
    delegate.sizeSeen(digest, size);
  }

  @Override
  public Optional<BlobReader> open(Digest digest) {
    return delegate.open(digest);
  }

  @Override
  public boolean delete(Digest digest) {
    return delegate.delete(digest);
  }

  @Override
  public boolean touch(Digest digest) {
    return delegate.touch(digest);
  }

  @Override
  public boolean reference(Digest digest) {
    return delegate.reference(digest);
  }

  @Override
  public boolean quarantine(Digest digest) {
    return delegate.quarantine(digest);
  }

  @Override
  public void forEach(Consumer<StoredBlob> visitor) {
    delegate.forEach(visitor);
  }

  @Override
  public int cleanupIncomplete() {
    return delegate.cleanupIncomplete();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
