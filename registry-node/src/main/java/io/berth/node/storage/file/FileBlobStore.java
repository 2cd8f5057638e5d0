package io.berth.node.storage.file;

import io.berth.common.Digest;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BoundedInputStream;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded default {@link BlobStore}: one file per blob under {@code
 * <root>/blobs/<algorithm>/<first two hex>/<hex>}. A put streams into {@code <root>/tmp/<writer>},
 * is fsynced, verified and then renamed atomically into place, and the directory is fsynced, so a
 * crash leaves either the whole blob or only a temporary file that {@link #cleanupIncomplete}
 * removes.
 */
public final class FileBlobStore implements BlobStore {

  private static final Logger log = LoggerFactory.getLogger(FileBlobStore.class);
  private static final int BUFFER = 256 * 1024;

  private final Path blobs;
  private final Path tmp;
  private final Path quarantine;

  public FileBlobStore(Path root) {
    this(root, "local");
  }

  /**
   * A store under {@code root}. Temporary files go to {@code <root>/tmp/<writerId>}, so nodes
   * sharing one directory clean up only their own leftovers.
   */
  public FileBlobStore(Path root, String writerId) {
    this.blobs = root.resolve("blobs");
    this.tmp = root.resolve("tmp").resolve(writerId);
    this.quarantine = root.resolve("quarantine");
    try {
      Files.createDirectories(blobs);
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new StorageException("cannot create blob directories under " + root, e);
    }
  }

  @Override
  public StoredBlob put(InputStream in, PutExpectation expectation) throws IOException {
    Path temp = tmp.resolve(UUID.randomUUID() + ".part");
    boolean moved = false;
    try {
      MessageDigest md = expectation.algorithm().newMessageDigest();
      long total = 0;
      try (FileChannel out =
          FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        byte[] buf = new byte[BUFFER];
        ByteBuffer bb = ByteBuffer.wrap(buf);
        int n;
        while ((n = in.read(buf)) != -1) {
          total += n;
          checkRunning(total, expectation);
          md.update(buf, 0, n);
          bb.clear().limit(n);
          while (bb.hasRemaining()) {
            out.write(bb);
          }
        }
        checkSize(total, expectation);
        out.force(true);
      }
      Digest actual = expectation.verify(md);
      Path target = pathOf(actual);
      try {
        Files.createDirectories(target.getParent());
        if (Files.exists(target) && touch(actual)) {
          return new StoredBlob(actual, total, modifiedOrNow(target));
        }
        try {
          Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
          throw new StorageException("blob store directory does not support atomic rename", e);
        } catch (FileAlreadyExistsException e) {
          // a concurrent put of the same content won; content addressing makes them identical
        }
        moved = true;
        fsyncDirectory(target.getParent());
        return new StoredBlob(actual, total, modifiedOrNow(target));
      } catch (IOException e) {
        throw new StorageException("cannot store blob " + actual, e);
      }
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }

  /**
   * Hashes the file where it is and renames it into place, so a finished upload is neither copied
   * nor synced a second time (the caller made its content durable). When the caller hashed the
   * content as it wrote the file ({@link PutExpectation#hashed}), that digest is taken and the file
   * is not read again. A file on another file system is streamed through {@link #put} instead.
   */
  @Override
  public StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
    long total;
    Digest actual;
    if (expectation.hashed() != null) {
      total = Files.size(file);
      checkRunning(total, expectation);
      checkSize(total, expectation);
      actual = expectation.verify(expectation.hashed());
    } else {
      MessageDigest md = expectation.algorithm().newMessageDigest();
      total = 0;
      try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
        ByteBuffer bb = ByteBuffer.allocate(BUFFER);
        int n;
        while ((n = in.read(bb.clear())) != -1) {
          total += n;
          checkRunning(total, expectation);
          md.update(bb.array(), 0, n);
        }
      }
      checkSize(total, expectation);
      actual = expectation.verify(md);
    }
    Path target = pathOf(actual);
    try {
      Files.createDirectories(target.getParent());
      if (Files.exists(target) && touch(actual)) {
        return new StoredBlob(actual, total, modifiedOrNow(target));
      }
      Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis()));
      try {
        Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        return BlobStore.super.adopt(file, expectation);
      } catch (FileAlreadyExistsException e) {
        // a concurrent put of the same content won; content addressing makes them identical
      }
      fsyncDirectory(target.getParent());
      return new StoredBlob(actual, total, modifiedOrNow(target));
    } catch (IOException e) {
      throw new StorageException("cannot store blob " + actual, e);
    }
  }

  private static void checkRunning(long total, PutExpectation expectation) {
    if (total > expectation.maxSize()) {
      throw new BlobRejectedException(
          BlobRejectedException.Reason.TOO_LARGE,
          "content exceeds the limit of " + expectation.maxSize() + " bytes");
    }
    if (expectation.size() >= 0 && total > expectation.size()) {
      throw new BlobRejectedException(
          BlobRejectedException.Reason.SIZE_MISMATCH,
          "content is longer than the declared " + expectation.size() + " bytes");
    }
  }

  private static void checkSize(long total, PutExpectation expectation) {
    if (expectation.size() >= 0 && total != expectation.size()) {
      throw new BlobRejectedException(
          BlobRejectedException.Reason.SIZE_MISMATCH,
          "content has " + total + " bytes, declared " + expectation.size());
    }
  }

  @Override
  public Optional<StoredBlob> stat(Digest digest) {
    Path p = pathOf(digest);
    try {
      return Optional.of(
          new StoredBlob(digest, Files.size(p), Files.getLastModifiedTime(p).toMillis()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StorageException("cannot stat blob " + digest, e);
    }
  }

  @Override
  public Optional<BlobReader> open(Digest digest) {
    Path p = pathOf(digest);
    long size;
    try {
      size = Files.size(p);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new StorageException("cannot open blob " + digest, e);
    }
    return Optional.of(new FileBlobReader(p, size));
  }

  @Override
  public boolean delete(Digest digest) {
    try {
      return Files.deleteIfExists(pathOf(digest));
    } catch (IOException e) {
      throw new StorageException("cannot delete blob " + digest, e);
    }
  }

  @Override
  public boolean touch(Digest digest) {
    try {
      Files.setLastModifiedTime(pathOf(digest), FileTime.fromMillis(System.currentTimeMillis()));
      return true;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new StorageException("cannot touch blob " + digest, e);
    }
  }

  @Override
  public boolean quarantine(Digest digest) {
    Path target =
        quarantine
            .resolve(digest.algorithm().prefix())
            .resolve(digest.hex() + "." + UUID.randomUUID());
    try {
      Files.createDirectories(target.getParent());
      Files.move(pathOf(digest), target, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw new StorageException("cannot quarantine blob " + digest, e);
    }
  }

  /** The directory holding quarantined blobs ({@code <alg>/<hex>.<uuid>}). */
  public Path quarantineDirectory() {
    return quarantine;
  }

  @Override
  public void forEach(Consumer<StoredBlob> visitor) {
    for (Digest.Algorithm alg : Digest.Algorithm.values()) {
      Path algDir = blobs.resolve(alg.prefix());
      if (!Files.isDirectory(algDir)) {
        continue;
      }
      try (Stream<Path> files = Files.walk(algDir, 2)) {
        files
            .filter(Files::isRegularFile)
            .forEach(
                f -> {
                  String hex = f.getFileName().toString();
                  if (!Digest.isValid(alg.prefix() + ":" + hex)) {
                    return;
                  }
                  try {
                    visitor.accept(
                        new StoredBlob(
                            Digest.parse(alg.prefix() + ":" + hex),
                            Files.size(f),
                            Files.getLastModifiedTime(f).toMillis()));
                  } catch (NoSuchFileException e) {
                    // deleted concurrently
                  } catch (IOException e) {
                    throw new UncheckedIOException(e);
                  }
                });
      } catch (IOException | UncheckedIOException e) {
        throw new StorageException("cannot list blobs", e);
      }
    }
  }

  @Override
  public int cleanupIncomplete() {
    int removed = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
        removed++;
      }
    } catch (IOException e) {
      throw new StorageException("cannot clean temporary files in " + tmp, e);
    }
    if (removed > 0) {
      log.info("removed {} leftover temporary blob files", removed);
    }
    return removed;
  }

  /** The directory holding temporary files; exposed for crash tests. */
  public Path tempDirectory() {
    return tmp;
  }

  /** Where the blob with this digest lives (it may not exist). */
  public Path pathOf(Digest digest) {
    String hex = digest.hex();
    return blobs.resolve(digest.algorithm().prefix()).resolve(hex.substring(0, 2)).resolve(hex);
  }

  @Override
  public void close() {}

  /** A concurrent delete (garbage collection) may already have removed a just-stored blob. */
  private static long modifiedOrNow(Path p) throws IOException {
    try {
      return Files.getLastModifiedTime(p).toMillis();
    } catch (NoSuchFileException e) {
      return System.currentTimeMillis();
    }
  }

  private static void fsyncDirectory(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException e) {
      // some file systems do not allow opening directories; the rename is still atomic
      log.debug("directory fsync not supported for {}", dir);
    }
  }

  private record FileBlobReader(Path file, long size) implements BlobReader {
    @Override
    public InputStream openRange(long offset, long length) throws IOException {
      if (offset < 0 || length < 0 || offset + length > size) {
        throw new IllegalArgumentException("range outside blob");
      }
      FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
      ch.position(offset);
      InputStream raw = Channels.newInputStream(ch);
      return new BoundedInputStream(raw, length);
    }

    @Override
    public Optional<Path> localFile() {
      return Optional.of(file);
    }
  }
}
