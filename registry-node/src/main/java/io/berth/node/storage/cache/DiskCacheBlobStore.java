package io.berth.node.storage.cache;

import io.berth.common.Digest;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BoundedInputStream;
import io.berth.node.storage.ForwardingBlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A bounded node-local read cache in front of a remote {@link BlobStore} (an S3 bucket), see ADR
 * 0017.
 *
 * <p>The first read of a blob of at most {@code maxBlobBytes} streams it from the remote store into
 * a temporary file while hashing, verifies size and digest, and renames the file atomically to
 * {@code <dir>/blobs/<alg>/<hh>/<hex>-<size>}; that read and every later one are served from the
 * file (with {@link BlobReader#localFile()}, so the HTTP layer sends it zero-copy). Concurrent
 * misses of one digest make one remote read: the others wait for it. Content that does not hash to
 * its digest is discarded and never served ({@link StorageException}). A hit checks only that the
 * file still has its recorded size (cheap); the bytes were verified when the file was filled.
 *
 * <p>Writers and maintenance see the real remote store: {@link #put}, {@link #stat}, {@link
 * #touch}, {@link #reference} and {@link #forEach} go to it unchanged. {@link #delete} and {@link
 * #quarantine} drop the cached copy too (also one being filled at that moment).
 *
 * <p>The cache holds at most about {@code maxBytes}: after a fill that crosses the bound the least
 * recently read files are deleted down to 90% of it. Read times live in memory and are written to
 * the files' modified time at most hourly, so after a restart (which rebuilds the accounting by
 * scanning the directory and deletes leftover temporary files) eviction order is approximately
 * kept. A local disk failure never fails a read: the blob is then streamed from the remote store.
 */
public final class DiskCacheBlobStore extends ForwardingBlobStore {
  private static final Logger log = LoggerFactory.getLogger(DiskCacheBlobStore.class);
  private static final int BUFFER = 256 * 1024;
  private static final long PERSIST_ACCESS_MILLIS = 3_600_000L;

  private final Path blobs;
  private final Path tmp;
  private final long maxBytes;
  private final long maxBlobBytes;
  private final boolean fillOnWrite;
  private final ConcurrentHashMap<Digest, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Digest, Fill> fills = new ConcurrentHashMap<>();
  private final Object[] locks = new Object[64];
  private final ReentrantLock evicting = new ReentrantLock();
  private final AtomicLong bytes = new AtomicLong();
  private final Counter hits;
  private final Counter misses;
  private final Counter bypassed;
  private final Counter filledBytes;
  private final Counter evictions;
  private final Counter rejected;

  /**
   * A cache under {@code dir} in front of {@code inner}. Scans {@code dir} to rebuild the size
   * accounting (files whose length does not match their name are deleted) and removes temporary
   * files left by a crash.
   *
   * @throws StorageException if the directory cannot be created or read
   */
  public DiskCacheBlobStore(
      BlobStore inner, Path dir, long maxBytes, long maxBlobBytes, MeterRegistry metrics) {
    this(inner, dir, maxBytes, maxBlobBytes, false, metrics);
  }

  /**
   * The same; with {@code fillOnWrite}, blobs stored through this cache are kept in it as they are
   * uploaded ({@link #put}).
   */
  public DiskCacheBlobStore(
      BlobStore inner,
      Path dir,
      long maxBytes,
      long maxBlobBytes,
      boolean fillOnWrite,
      MeterRegistry metrics) {
    super(inner);
    this.fillOnWrite = fillOnWrite;
    this.blobs = dir.resolve("blobs");
    this.tmp = dir.resolve("tmp");
    this.maxBytes = maxBytes;
    this.maxBlobBytes = Math.min(maxBlobBytes, maxBytes);
    for (int i = 0; i < locks.length; i++) {
      locks[i] = new Object();
    }
    this.hits = Counter.builder("berth_blob_cache").tag("result", "hit").register(metrics);
    this.misses = Counter.builder("berth_blob_cache").tag("result", "miss").register(metrics);
    this.bypassed = Counter.builder("berth_blob_cache").tag("result", "bypass").register(metrics);
    this.filledBytes =
        Counter.builder("berth_blob_cache_filled_bytes").baseUnit("bytes").register(metrics);
    this.evictions = Counter.builder("berth_blob_cache_evictions").register(metrics);
    this.rejected = Counter.builder("berth_blob_cache_digest_mismatches").register(metrics);
    Gauge.builder("berth_blob_cache_size_bytes", bytes, AtomicLong::get)
        .baseUnit("bytes")
        .register(metrics);
    Gauge.builder("berth_blob_cache_entries", entries, ConcurrentHashMap::size).register(metrics);
    try {
      Files.createDirectories(blobs);
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new StorageException("cannot create the blob cache directory " + dir, e);
    }
    removeTemporaryFiles();
    scan();
    evictIfOver();
  }

  // ---------------------------------------- writes

  /**
   * Stores the blob in the remote store and, with {@code fillOnWrite} and when it may be cached
   * ({@code maxBlobBytes} at most), keeps the bytes read on their way there as its cached file: the
   * reads that follow a push (a pull, the replicator copying it to another region) are then served
   * from local disk instead of downloading what was just uploaded. The file is installed only after
   * the remote put succeeded, with exactly the bytes the store hashed and verified; a local disk
   * failure only skips it.
   */
  @Override
  public StoredBlob put(InputStream in, PutExpectation expectation) throws IOException {
    long declared = expectation.size();
    if (!fillOnWrite || maxBlobBytes <= 0 || declared > maxBlobBytes) {
      return super.put(in, expectation);
    }
    Path part = tmp.resolve(UUID.randomUUID() + ".part");
    FileChannel out = openLocal(part);
    if (out == null) {
      return super.put(in, expectation);
    }
    Fill fill = new Fill();
    try {
      Tee tee = new Tee(in, out);
      StoredBlob stored;
      try {
        stored = super.put(tee, expectation);
      } finally {
        closeQuietly(out);
      }
      if (tee.kept && tee.total == stored.size() && !entries.containsKey(stored.digest())) {
        // registered like a fill, so a delete meanwhile invalidates it before it is installed
        if (fills.putIfAbsent(stored.digest(), fill) == null) {
          try {
            install(stored.digest(), part, stored.size(), fill);
          } finally {
            fills.remove(stored.digest(), fill);
          }
        }
      }
      return stored;
    } finally {
      deleteQuietly(part);
    }
  }

  @Override
  public StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
    return fillOnWrite ? adoptThroughPut(file, expectation) : super.adopt(file, expectation);
  }

  /** Copies what the remote put reads into the cache file, up to {@code maxBlobBytes}. */
  private final class Tee extends java.io.FilterInputStream {
    private final FileChannel out;
    long total;
    boolean kept = true;

    Tee(InputStream in, FileChannel out) {
      super(in);
      this.out = out;
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        keep(new byte[] {(byte) b}, 0, 1);
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        keep(b, off, n);
      }
      return n;
    }

    @Override
    public long skip(long n) throws IOException {
      kept = false;
      return super.skip(n);
    }

    @Override
    public boolean markSupported() {
      return false;
    }

    private void keep(byte[] b, int off, int n) {
      total += n;
      if (!kept) {
        return;
      }
      if (total > maxBlobBytes) {
        kept = false;
        return;
      }
      kept = writeLocal(out, ByteBuffer.wrap(b, off, n));
    }
  }

  // ---------------------------------------- removals (every other write is forwarded)

  @Override
  public boolean delete(Digest digest) {
    invalidate(digest);
    boolean removed = super.delete(digest);
    // a read that started before the remote delete may have filled the cache meanwhile
    invalidate(digest);
    return removed;
  }

  @Override
  public boolean quarantine(Digest digest) {
    invalidate(digest);
    boolean moved = super.quarantine(digest);
    invalidate(digest);
    return moved;
  }

  @Override
  public int cleanupIncomplete() {
    return super.cleanupIncomplete() + removeTemporaryFiles();
  }

  // ------------------------------------------------------------------ reads

  /**
   * A reader for the blob: the cached file on a hit (no remote request); otherwise the remote
   * reader's size, with the content filled into the cache on first use. Blobs larger than {@code
   * maxBlobBytes}, and blobs the remote store offers as a redirect, are not cached.
   */
  @Override
  public Optional<BlobReader> open(Digest digest) {
    return open(digest, true);
  }

  /**
   * The cached file on a hit; otherwise the remote reader, filled into the cache on first use when
   * {@code fillOnMiss} and the blob may be cached, else as it is (a bypass).
   */
  private Optional<BlobReader> open(Digest digest, boolean fillOnMiss) {
    Entry e = entries.get(digest);
    if (e != null && e.valid()) {
      hits.increment();
      e.accessed();
      return Optional.of(new CachedReader(digest, e));
    }
    if (e != null) {
      log.warn("cached copy of {} has the wrong size or is gone; reading it again", digest);
      drop(digest, e);
    }
    Optional<BlobReader> remote = super.open(digest);
    if (remote.isEmpty()) {
      return remote;
    }
    BlobReader r = remote.get();
    if (!fillOnMiss || r.size() > maxBlobBytes || r.redirectUrl().isPresent()) {
      bypassed.increment();
      return remote;
    }
    misses.increment();
    return Optional.of(new FillingReader(digest, r));
  }

  /**
   * This cache as seen by a reader that reads each blob once (the replicator copying a region's
   * blobs): a cached copy is still served from its file, but a miss streams straight from the
   * remote store and fills nothing. A fill would download, hash and write the whole blob before
   * sending its first byte, so a copy would wait for two full passes instead of one, for a file
   * that is not read again. Every other method is this cache's.
   */
  public BlobStore withoutFillingOnMiss() {
    return new ForwardingBlobStore(this) {
      @Override
      public Optional<BlobReader> open(Digest digest) {
        return DiskCacheBlobStore.this.open(digest, false);
      }
    };
  }

  /** The cached file of a blob, if it is in the cache (for tests and operators). */
  public Optional<Path> cachedFile(Digest digest) {
    Entry e = entries.get(digest);
    return e == null ? Optional.empty() : Optional.of(e.file);
  }

  /** Bytes held by the cache's files. */
  public long cachedBytes() {
    return bytes.get();
  }

  /** How many blobs the cache holds. */
  public int cachedCount() {
    return entries.size();
  }

  /**
   * Fills the cache with the blob once, however many readers ask at the same time; the others wait
   * for that fill. Returns null when the blob could not be cached for a local reason (disk full, a
   * concurrent delete): the caller reads the remote store then.
   */
  private Entry fill(Digest digest, BlobReader remote) {
    Entry e = entries.get(digest);
    if (e != null && e.valid()) {
      return e;
    }
    Fill mine = new Fill();
    Fill running = fills.putIfAbsent(digest, mine);
    if (running != null) {
      try {
        return running.done.join();
      } catch (CompletionException ce) {
        if (ce.getCause() instanceof RuntimeException re) {
          throw re;
        }
        throw new StorageException("cannot read blob " + digest, ce.getCause());
      }
    }
    try {
      Entry installed = entries.get(digest);
      // a fill that ended between the first check and our registration has installed its file
      Entry filled =
          installed != null && installed.valid() ? installed : download(digest, remote, mine);
      mine.done.complete(filled);
      return filled;
    } catch (RuntimeException ex) {
      mine.done.completeExceptionally(ex);
      throw ex;
    } finally {
      fills.remove(digest, mine);
    }
  }

  private Entry download(Digest digest, BlobReader remote, Fill fill) {
    Path part = tmp.resolve(UUID.randomUUID() + ".part");
    try {
      long size = remote.size();
      MessageDigest md = digest.algorithm().newMessageDigest();
      long total = 0;
      boolean localOk = true;
      FileChannel out = openLocal(part);
      if (out == null) {
        return null;
      }
      try (InputStream in = remote.openStream()) {
        try {
          byte[] buf = new byte[BUFFER];
          ByteBuffer bb = ByteBuffer.wrap(buf);
          int n;
          while (localOk && (n = in.read(buf)) != -1) {
            total += n;
            if (total > size) {
              break;
            }
            md.update(buf, 0, n);
            localOk = writeLocal(out, bb.clear().limit(n));
          }
        } finally {
          closeQuietly(out);
        }
      } catch (IOException | UncheckedIOException remoteFailure) {
        throw new StorageException(
            "cannot read blob " + digest + ": " + remoteFailure, remoteFailure);
      }
      if (!localOk) {
        return null;
      }
      Digest actual = Digest.of(digest.algorithm(), md.digest());
      if (total != size || !actual.equals(digest)) {
        rejected.increment();
        log.error(
            "blob {} in the backing store does not match its digest ({} bytes of {}, hash {}); not"
                + " cached and not served, scrub will quarantine it",
            digest,
            total,
            size,
            actual);
        throw new StorageException(
            "blob " + digest + " in the backing store does not match its digest");
      }
      return install(digest, part, size, fill);
    } finally {
      try {
        Files.deleteIfExists(part);
      } catch (IOException ignored) {
        // leftover temp files are removed at the next start
      }
    }
  }

  /** Writes all of {@code bb} to a cache file; false (logged) if the local disk failed. */
  private boolean writeLocal(FileChannel out, ByteBuffer bb) {
    try {
      while (bb.hasRemaining()) {
        out.write(bb);
      }
      return true;
    } catch (IOException diskFailure) {
      log.warn("cannot write the blob cache under {}: {}", tmp, diskFailure.toString());
      return false;
    }
  }

  private FileChannel openLocal(Path part) {
    try {
      return FileChannel.open(part, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    } catch (IOException e) {
      log.warn("cannot create a blob cache file under {}: {}", tmp, e.toString());
      return null;
    }
  }

  private Entry install(Digest digest, Path part, long size, Fill fill) {
    Path target = pathOf(digest, size);
    Entry e;
    synchronized (lockFor(digest)) {
      if (fill.invalidated) {
        return null;
      }
      try {
        Files.createDirectories(target.getParent());
        Files.move(
            part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException ex) {
        log.warn("cannot store {} in the blob cache: {}", digest, ex.toString());
        return null;
      }
      e = new Entry(target, size, System.currentTimeMillis());
      Entry old = entries.put(digest, e);
      if (old != null) {
        bytes.addAndGet(-old.size);
      }
      bytes.addAndGet(size);
    }
    filledBytes.increment(size);
    evictIfOver();
    return e;
  }

  // ------------------------------------------------------------------ invalidation and eviction

  private void invalidate(Digest digest) {
    synchronized (lockFor(digest)) {
      Fill f = fills.get(digest);
      if (f != null) {
        f.invalidated = true;
      }
      Entry e = entries.remove(digest);
      if (e != null) {
        bytes.addAndGet(-e.size);
        deleteQuietly(e.file);
      }
    }
  }

  private void drop(Digest digest, Entry e) {
    synchronized (lockFor(digest)) {
      if (entries.remove(digest, e)) {
        bytes.addAndGet(-e.size);
        deleteQuietly(e.file);
      }
    }
  }

  /** Deletes the least recently read files until the cache holds at most 90% of its bound. */
  private void evictIfOver() {
    if (bytes.get() <= maxBytes || !evicting.tryLock()) {
      return;
    }
    try {
      long target = maxBytes - maxBytes / 10;
      List<java.util.Map.Entry<Digest, Entry>> all = new ArrayList<>(entries.entrySet());
      all.sort(Comparator.comparingLong(m -> m.getValue().lastAccess));
      for (java.util.Map.Entry<Digest, Entry> m : all) {
        if (bytes.get() <= target) {
          break;
        }
        synchronized (lockFor(m.getKey())) {
          if (entries.remove(m.getKey(), m.getValue())) {
            bytes.addAndGet(-m.getValue().size);
            deleteQuietly(m.getValue().file);
            evictions.increment();
          }
        }
      }
    } finally {
      evicting.unlock();
    }
  }

  // ------------------------------------------------------------------ start-up

  private void scan() {
    for (Digest.Algorithm alg : Digest.Algorithm.values()) {
      Path algDir = blobs.resolve(alg.prefix());
      if (!Files.isDirectory(algDir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(algDir, 2)) {
        files.filter(Files::isRegularFile).forEach(f -> adopt(alg, f));
      } catch (IOException | UncheckedIOException e) {
        throw new StorageException("cannot scan the blob cache " + algDir, e);
      }
    }
    if (!entries.isEmpty()) {
      log.info("blob cache holds {} blobs, {} bytes", entries.size(), bytes.get());
    }
  }

  private void adopt(Digest.Algorithm alg, Path f) {
    String name = f.getFileName().toString();
    int dash = name.lastIndexOf('-');
    String ref = dash < 0 ? "" : alg.prefix() + ":" + name.substring(0, dash);
    long size = -1;
    try {
      size = dash < 0 ? -1 : Long.parseLong(name.substring(dash + 1));
    } catch (NumberFormatException e) {
      size = -1;
    }
    try {
      if (size < 0 || !Digest.isValid(ref) || Files.size(f) != size) {
        log.warn("removing unexpected file {} from the blob cache", f);
        Files.deleteIfExists(f);
        return;
      }
      Entry e = new Entry(f, size, Files.getLastModifiedTime(f).toMillis());
      if (entries.putIfAbsent(Digest.parse(ref), e) == null) {
        bytes.addAndGet(size);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private int removeTemporaryFiles() {
    int removed = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
      for (Path p : ds) {
        if (fills.isEmpty()) {
          Files.deleteIfExists(p);
          removed++;
        }
      }
    } catch (IOException e) {
      throw new StorageException("cannot clean the blob cache's temporary files in " + tmp, e);
    }
    if (removed > 0) {
      log.info("removed {} leftover blob cache files", removed);
    }
    return removed;
  }

  // ------------------------------------------------------------------ helpers

  private Path pathOf(Digest digest, long size) {
    String hex = digest.hex();
    return blobs
        .resolve(digest.algorithm().prefix())
        .resolve(hex.substring(0, 2))
        .resolve(hex + "-" + size);
  }

  private Object lockFor(Digest digest) {
    return locks[Math.floorMod(digest.hashCode(), locks.length)];
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      log.warn("cannot delete blob cache file {}: {}", p, e.toString());
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // nothing to flush for a cache file that is discarded or already complete
    }
  }

  private static InputStream openFile(Path file, long offset, long length) throws IOException {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try {
      ch.position(offset);
    } catch (IOException e) {
      ch.close();
      throw e;
    }
    return new BoundedInputStream(Channels.newInputStream(ch), length);
  }

  private static void checkRange(long offset, long length, long size) {
    if (offset < 0 || length < 0 || offset + length > size) {
      throw new IllegalArgumentException("range outside blob");
    }
  }

  /** One cached file: its path, size and (approximate) last read time. */
  private static final class Entry {
    final Path file;
    final long size;
    volatile long lastAccess;
    volatile long persistedAccess;

    Entry(Path file, long size, long lastAccess) {
      this.file = file;
      this.size = size;
      this.lastAccess = lastAccess;
      this.persistedAccess = lastAccess;
    }

    /** The file is still there with its size (a cheap check on every hit). */
    boolean valid() {
      try {
        return Files.size(file) == size;
      } catch (IOException e) {
        return false;
      }
    }

    void accessed() {
      long now = System.currentTimeMillis();
      lastAccess = now;
      if (now - persistedAccess > PERSIST_ACCESS_MILLIS) {
        persistedAccess = now;
        try {
          Files.setLastModifiedTime(file, FileTime.fromMillis(now));
        } catch (IOException e) {
          // evicted meanwhile; the read falls back to the remote store
        }
      }
    }
  }

  /** A fill in progress: readers of the same digest wait for {@code done}. */
  private static final class Fill {
    final CompletableFuture<Entry> done = new CompletableFuture<>();
    volatile boolean invalidated;
  }

  /** A hit: the cached file, or the remote store if the file was evicted since. */
  private final class CachedReader implements BlobReader {
    private final Digest digest;
    private final Entry entry;

    CachedReader(Digest digest, Entry entry) {
      this.digest = digest;
      this.entry = entry;
    }

    @Override
    public long size() {
      return entry.size;
    }

    @Override
    public InputStream openRange(long offset, long length) throws IOException {
      checkRange(offset, length, entry.size);
      try {
        return openFile(entry.file, offset, length);
      } catch (NoSuchFileException evicted) {
        BlobReader remote =
            delegate()
                .open(digest)
                .orElseThrow(
                    () -> new StorageException("blob " + digest + " was removed from the store"));
        return remote.openRange(offset, length);
      }
    }

    @Override
    public Optional<Path> localFile() {
      return Optional.of(entry.file);
    }
  }

  /** A miss: the remote size now, the content filled into the cache on first use. */
  private final class FillingReader implements BlobReader {
    private final Digest digest;
    private final BlobReader remote;

    FillingReader(Digest digest, BlobReader remote) {
      this.digest = digest;
      this.remote = remote;
    }

    @Override
    public long size() {
      return remote.size();
    }

    @Override
    public InputStream openRange(long offset, long length) throws IOException {
      checkRange(offset, length, remote.size());
      Entry e = fill(digest, remote);
      if (e != null) {
        try {
          return openFile(e.file, offset, length);
        } catch (NoSuchFileException evicted) {
          // evicted or deleted right after the fill: read the remote store instead
        }
      }
      return remote.openRange(offset, length);
    }

    @Override
    public Optional<Path> localFile() {
      Entry e = fill(digest, remote);
      return e == null ? Optional.empty() : Optional.of(e.file);
    }

    @Override
    public Optional<URI> redirectUrl() {
      return Optional.empty();
    }
  }
}
