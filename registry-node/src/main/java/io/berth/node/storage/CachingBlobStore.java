package io.berth.node.storage;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.berth.common.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;

/**
 * Keeps small blobs (GOPROXY .info/.mod files, manifests) in memory in front of another store.
 * Blobs are content-addressed and never change, so a cached copy is never stale; a delete
 * invalidates it. Memory is bounded by total bytes ({@code maxBytes}); only blobs up to {@code
 * maxBlobBytes} are cached.
 */
public final class CachingBlobStore extends ForwardingBlobStore {
  private final Cache<Digest, byte[]> cache;
  private final long maxBlobBytes;

  public CachingBlobStore(BlobStore inner, long maxBytes, long maxBlobBytes) {
    super(inner);
    this.maxBlobBytes = maxBlobBytes;
    this.cache =
        Caffeine.newBuilder()
            .maximumWeight(maxBytes)
            .weigher((Digest d, byte[] b) -> b.length + 64)
            .build();
  }

  @Override
  public Optional<BlobReader> open(Digest digest) {
    byte[] hit = cache.getIfPresent(digest);
    if (hit != null) {
      return Optional.of(new MemoryBlobReader(hit));
    }
    Optional<BlobReader> r = super.open(digest);
    if (r.isEmpty() || r.get().size() > maxBlobBytes) {
      return r;
    }
    try (InputStream in = r.get().openStream()) {
      byte[] bytes = in.readAllBytes();
      cache.put(digest, bytes);
      return Optional.of(new MemoryBlobReader(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public boolean delete(Digest digest) {
    cache.invalidate(digest);
    return super.delete(digest);
  }

  @Override
  public boolean quarantine(Digest digest) {
    cache.invalidate(digest);
    return super.quarantine(digest);
  }

  @Override
  public void close() {
    cache.invalidateAll();
    super.close();
  }

  private record MemoryBlobReader(byte[] bytes) implements BlobReader {
    @Override
    public long size() {
      return bytes.length;
    }

    @Override
    public InputStream openRange(long offset, long length) {
      if (offset < 0 || length < 0 || offset + length > bytes.length) {
        throw new IllegalArgumentException("range outside blob");
      }
      return new ByteArrayInputStream(bytes, (int) offset, (int) length);
    }

    @Override
    public Optional<byte[]> inMemory() {
      return Optional.of(bytes);
    }
  }
}
