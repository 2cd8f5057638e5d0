package io.berth.node.oci;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.common.RepositoryName;
import io.berth.node.index.OciIndex;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import io.berth.node.storage.BoundedInputStream;
import io.berth.node.storage.StorageException;
import io.berth.proto.index.v1.OciUploadSession;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blob upload sessions of this node. A session is a record in the index ({@link OciUploadSession},
 * with the number of durable bytes) and a file {@code <dir>/<id>} holding those bytes, never the
 * heap. A chunk is appended to the file, fsynced, and only then is the record's size advanced, so
 * after a crash or restart the file holds at least the recorded bytes (extra bytes of a chunk that
 * was not acknowledged are truncated away) and the upload continues where the record says.
 *
 * <p>While the chunks arrive they are also hashed (sha256, the digest pushes use), and the hash
 * state of each session's durable bytes is kept in memory, so completing the upload need not read
 * the file again ({@link #hashedContent}). The state is not persisted: after a restart, or for
 * another algorithm, the completion hashes the file as before.
 *
 * <p>One request at a time may use a session ({@link #open} answers TOOMANYREQUESTS otherwise).
 * Sessions idle for longer than the expiry are removed with their bytes by a periodic sweep, which
 * also deletes files no record names (left by a crash while a session was being removed).
 */
public final class OciUploads implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OciUploads.class);
  private static final int BUFFER = 256 * 1024;

  /** The sha256 state over the first {@code size} bytes of a session. */
  private record RunningHash(long size, MessageDigest md) {}

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final OciIndex index;
  private final Path dir;
  private final Duration expiry;
  private final Duration sweepInterval;
  private final Clock clock;
  private final Set<String> busy = ConcurrentHashMap.newKeySet();
  private final Map<String, RunningHash> hashes = new ConcurrentHashMap<>();
  private ScheduledExecutorService sweeper;
  private volatile State state = State.NEW;

  public OciUploads(
      OciIndex index, Path dir, Duration expiry, Duration sweepInterval, Clock clock) {
    this.index = index;
    this.dir = dir;
    this.expiry = expiry;
    this.sweepInterval = sweepInterval;
    this.clock = clock;
  }

  /** Recovers sessions left by a previous run and starts the expiry sweep. */
  public synchronized OciUploads start() {
    if (state != State.NEW) {
      throw new IllegalStateException("uploads are " + state);
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the upload directory " + dir, e);
    }
    int removed = recover();
    if (removed > 0) {
      log.info("removed {} broken or orphaned upload sessions", removed);
    }
    sweeper =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "berth-oci-upload-sweeper");
              t.setDaemon(true);
              return t;
            });
    long every = Math.max(1, sweepInterval.toMillis());
    sweeper.scheduleWithFixedDelay(this::sweepQuietly, every, every, TimeUnit.MILLISECONDS);
    state = State.RUNNING;
    return this;
  }

  public State state() {
    return state;
  }

  /** The directory holding the session files. */
  public Path directory() {
    return dir;
  }

  /** A session that one request holds until it closes it. */
  public final class Handle implements AutoCloseable {
    private OciUploadSession session;
    private boolean closed;

    private Handle(OciUploadSession session) {
      this.session = session;
    }

    public String id() {
      return session.getId();
    }

    public RepositoryName repository() {
      return RepositoryName.parse(session.getRepository());
    }

    /** Bytes durably received so far. */
    public long size() {
      return session.getSize();
    }

    @Override
    public void close() {
      if (!closed) {
        closed = true;
        busy.remove(session.getId());
      }
    }
  }

  /** Starts a new, empty session for {@code repository}. */
  public OciUploadSession create(RepositoryName repository) {
    long now = clock.millis();
    OciUploadSession s =
        OciUploadSession.newBuilder()
            .setId(UUID.randomUUID().toString())
            .setRepository(repository.value())
            .setSize(0)
            .setCreatedUnixMillis(now)
            .setUpdatedUnixMillis(now)
            .build();
    index.putUpload(s);
    return s;
  }

  /**
   * Opens session {@code id} of {@code repository} exclusively.
   *
   * @throws OciException BLOB_UPLOAD_UNKNOWN if there is no such live session in this repository (a
   *     session of another repository is unknown here), TOOMANYREQUESTS if another request is using
   *     it
   */
  public Handle open(RepositoryName repository, String id) {
    OciUploadSession known = index.upload(id).orElse(null);
    if (known == null || !known.getRepository().equals(repository.value())) {
      throw unknown(repository, id);
    }
    if (!busy.add(id)) {
      throw new OciException(
          OciErrorCode.TOOMANYREQUESTS,
          "upload " + id + " is in use by another request; retry when it has finished",
          Map.of("upload", id));
    }
    // re-read under exclusive use: a request that held it may have completed or cancelled it
    OciUploadSession s = index.upload(id).orElse(null);
    if (s == null) {
      busy.remove(id);
      throw unknown(repository, id);
    }
    Handle h = new Handle(s);
    try {
      if (expired(s)) {
        discard(h);
        throw unknown(repository, id);
      }
      Path file = dir.resolve(id);
      long onDisk = Files.exists(file) ? Files.size(file) : 0;
      if (onDisk < s.getSize()) {
        log.warn(
            "upload {} lost data ({} of {} bytes on disk); removing it", id, onDisk, s.getSize());
        discard(h);
        throw unknown(repository, id);
      }
      if (onDisk > s.getSize()) {
        truncate(file, s.getSize());
      }
      return h;
    } catch (IOException e) {
      h.close();
      throw new StorageException("cannot read upload " + id, e);
    } catch (RuntimeException e) {
      h.close();
      throw e;
    }
  }

  /**
   * Appends the bytes of {@code in} to the session, durably.
   *
   * @param expected the chunk length the request declared, or -1 if unknown
   * @return the session size afterwards
   * @throws OciException SIZE_INVALID if the body length differs from {@code expected}; the chunk
   *     is discarded and the session keeps its previous size
   * @throws IOException if the body cannot be read; the chunk is discarded
   */
  public long append(Handle h, InputStream in, long expected) throws IOException {
    Path file = dir.resolve(h.id());
    long base = h.size();
    long total = 0;
    boolean ok = false;
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ch.position(base);
      MessageDigest md = continuedHash(h.id(), base);
      byte[] buf = new byte[BUFFER];
      ByteBuffer bb = ByteBuffer.wrap(buf);
      int n;
      while ((n = in.read(buf)) != -1) {
        total += n;
        if (expected >= 0 && total > expected) {
          throw sizeMismatch(h, expected, total, true);
        }
        if (md != null) {
          md.update(buf, 0, n);
        }
        bb.clear().limit(n);
        try {
          while (bb.hasRemaining()) {
            ch.write(bb);
          }
        } catch (IOException e) {
          throw new StorageException("cannot write upload " + h.id(), e);
        }
      }
      if (expected >= 0 && total != expected) {
        throw sizeMismatch(h, expected, total, false);
      }
      try {
        ch.force(true);
      } catch (IOException e) {
        throw new StorageException("cannot sync upload " + h.id(), e);
      }
      ok = true;
      if (md != null) {
        hashes.put(h.id(), new RunningHash(base + total, md));
      }
    } finally {
      if (!ok) {
        truncate(file, base);
      }
    }
    long now = clock.millis();
    OciUploadSession next =
        h.session.toBuilder().setSize(base + total).setUpdatedUnixMillis(now).build();
    index.putUpload(next);
    h.session = next;
    return next.getSize();
  }

  /**
   * A copy of the hash state over a session's first {@code base} bytes to continue with, a fresh
   * one for an empty session, or null when the state is unknown (the node restarted since).
   */
  private MessageDigest continuedHash(String id, long base) {
    if (base == 0) {
      return Digest.Algorithm.SHA256.newMessageDigest();
    }
    RunningHash known = hashes.get(id);
    if (known == null || known.size() != base) {
      return null;
    }
    try {
      return (MessageDigest) known.md().clone();
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }

  /**
   * The digest of all of a session's durable bytes in {@code algorithm}, when it was computed as
   * they arrived; empty when it was not (another algorithm, or the node restarted meanwhile).
   */
  public Optional<Digest> hashedContent(Handle h, Digest.Algorithm algorithm) {
    RunningHash known = hashes.get(h.id());
    if (algorithm != Digest.Algorithm.SHA256 || known == null || known.size() != h.size()) {
      return Optional.empty();
    }
    try {
      MessageDigest md = (MessageDigest) known.md().clone();
      return Optional.of(Digest.of(algorithm, md.digest()));
    } catch (CloneNotSupportedException e) {
      return Optional.empty();
    }
  }

  /** The session's durable bytes, streamed from its file. */
  public InputStream content(Handle h) throws IOException {
    if (h.size() == 0) {
      return InputStream.nullInputStream();
    }
    FileChannel ch = FileChannel.open(dir.resolve(h.id()), StandardOpenOption.READ);
    return new BoundedInputStream(Channels.newInputStream(ch), h.size());
  }

  /**
   * The session's file when it holds exactly the session's durable bytes (every append is synced),
   * for a store that can adopt it whole on completion; empty when there is nothing to adopt.
   */
  public Optional<Path> completeFile(Handle h) throws IOException {
    Path file = dir.resolve(h.id());
    if (h.size() == 0 || !Files.isRegularFile(file) || Files.size(file) != h.size()) {
      return Optional.empty();
    }
    return Optional.of(file);
  }

  /**
   * Removes what is left of a session's bytes after its record was removed with the blob's link
   * ({@code OciIndex.linkUploadedBlob}); an adopted file is already gone.
   */
  public void removeFile(Handle h) {
    hashes.remove(h.id());
    try {
      Files.deleteIfExists(dir.resolve(h.id()));
    } catch (IOException e) {
      log.warn("cannot delete upload file {}: {} (the sweep retries)", h.id(), e.toString());
    }
  }

  /** Removes the session and its bytes (cancel, completion, or a failed final digest). */
  public void discard(Handle h) {
    index.deleteUpload(h.id());
    hashes.remove(h.id());
    try {
      Files.deleteIfExists(dir.resolve(h.id()));
    } catch (IOException e) {
      log.warn("cannot delete upload file {}: {} (the sweep retries)", h.id(), e.toString());
    }
  }

  /**
   * Removes sessions idle for longer than the expiry, with their files, and files no session names.
   *
   * @return how many sessions and files were removed
   */
  public int sweep() {
    List<OciUploadSession> doomed = new ArrayList<>();
    Set<String> live = new HashSet<>();
    index.forEachUpload(
        s -> {
          if (expired(s)) {
            doomed.add(s);
          } else {
            live.add(s.getId());
          }
        });
    int removed = 0;
    for (OciUploadSession s : doomed) {
      if (!busy.add(s.getId())) {
        live.add(s.getId());
        continue;
      }
      try {
        index.deleteUpload(s.getId());
        hashes.remove(s.getId());
        Files.deleteIfExists(dir.resolve(s.getId()));
        removed++;
        log.info(
            "upload {} of {} expired after {} idle; {} bytes reclaimed",
            s.getId(),
            s.getRepository(),
            expiry,
            s.getSize());
      } catch (IOException e) {
        log.warn("cannot delete expired upload {}: {}", s.getId(), e.toString());
      } finally {
        busy.remove(s.getId());
      }
    }
    // hash states of sessions removed behind this node's back (none should be); busy ones stay
    hashes.keySet().removeIf(id -> !live.contains(id) && !busy.contains(id));
    return removed + removeOrphanFiles(live);
  }

  private int removeOrphanFiles(Set<String> live) {
    int removed = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String id = p.getFileName().toString();
        if (!live.contains(id) && !busy.contains(id) && index.upload(id).isEmpty()) {
          Files.deleteIfExists(p);
          removed++;
        }
      }
    } catch (NoSuchFileException e) {
      return removed;
    } catch (IOException e) {
      log.warn("cannot list upload files in {}: {}", dir, e.toString());
    }
    return removed;
  }

  private int recover() {
    List<String> broken = new ArrayList<>();
    Set<String> live = new HashSet<>();
    index.forEachUpload(
        s -> {
          Path file = dir.resolve(s.getId());
          try {
            long onDisk = Files.exists(file) ? Files.size(file) : 0;
            if (onDisk < s.getSize()) {
              broken.add(s.getId());
            } else {
              if (onDisk > s.getSize()) {
                truncate(file, s.getSize());
              }
              live.add(s.getId());
            }
          } catch (IOException e) {
            broken.add(s.getId());
          }
        });
    for (String id : broken) {
      index.deleteUpload(id);
      try {
        Files.deleteIfExists(dir.resolve(id));
      } catch (IOException e) {
        log.warn("cannot delete broken upload {}: {}", id, e.toString());
      }
    }
    return broken.size() + removeOrphanFiles(live);
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("upload sweep failed (retried at the next interval): {}", e.toString());
    }
  }

  private boolean expired(OciUploadSession s) {
    return clock.millis() - s.getUpdatedUnixMillis() > expiry.toMillis();
  }

  private static void truncate(Path file, long size) throws IOException {
    if (!Files.exists(file)) {
      return;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
      ch.force(true);
    }
  }

  private static OciException unknown(RepositoryName repository, String id) {
    return new OciException(
        OciErrorCode.BLOB_UPLOAD_UNKNOWN,
        "upload " + ModulePath.quote(id) + " is unknown to repository " + repository,
        Map.of("upload", id, "repository", repository.value()));
  }

  private static OciException sizeMismatch(Handle h, long expected, long got, boolean more) {
    return new OciException(
        OciErrorCode.SIZE_INVALID,
        "chunk has " + (more ? "more than " : "") + got + " bytes, declared " + expected,
        Map.of("upload", h.id(), "declared", expected, "received", got));
  }

  @Override
  public synchronized void close() {
    state = State.CLOSED;
    if (sweeper != null) {
      sweeper.shutdownNow();
    }
  }
}
