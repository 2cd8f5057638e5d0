package io.berth.node.storage;

import io.berth.common.Digest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Content-addressed blob storage: every blob lives under its digest.
 *
 * <p>Contract, checked by {@code BlobStoreContract} for every implementation:
 *
 * <ul>
 *   <li>{@link #put} streams its input (it never holds the whole blob in memory), hashes every byte
 *       while writing, and makes the blob visible under its digest only after the hash matched the
 *       expectation. A failed put leaves nothing visible and no temporary data behind.
 *   <li>Putting content that is already stored succeeds, keeps the content and refreshes the blob's
 *       modified time (like {@link #touch}), so garbage collection treats it as just written.
 *   <li>{@link #open} and {@link #stat} return empty for a blob that is not stored; they never
 *       return partial content.
 *   <li>{@link #delete} is idempotent.
 *   <li>{@link #quarantine} moves a blob out of the live keyspace: afterwards {@link #open}, {@link
 *       #stat} and {@link #forEach} do not see it, and a later {@link #put} stores it anew.
 * </ul>
 *
 * Failures of the backing system are reported as {@link StorageException}; a blob that does not
 * match its expectation as {@link BlobRejectedException}.
 */
public interface BlobStore extends AutoCloseable {

  /**
   * Stores the bytes read from {@code in} until end of stream.
   *
   * @param in the content; read to its end (or until a limit is exceeded), not closed
   * @param expectation expected digest, size and size limit; its {@link PutExpectation#verify} is
   *     called once the whole content is read, before the blob is visible under its final key
   * @return the stored blob's digest and size
   * @throws BlobRejectedException if the digest or size differ from the expectation, or the content
   *     exceeds the limit; nothing is stored then
   * @throws StorageException if the backing store fails
   * @throws IOException if reading {@code in} fails; nothing is stored then
   */
  StoredBlob put(InputStream in, PutExpectation expectation) throws IOException;

  /**
   * Stores the content of a complete local file that the caller owns and discards afterwards (a
   * finished upload session, already durable on disk). The contract is that of {@link #put}: the
   * content is hashed and checked against {@code expectation} before it becomes visible. A store on
   * the same file system may move the file into place instead of copying it, so after a successful
   * call the file may be gone; after a failed call it is untouched. The default streams the file
   * through {@link #put}.
   *
   * @throws BlobRejectedException if the digest or size differ from the expectation
   * @throws StorageException if the backing store fails
   * @throws IOException if the file cannot be read
   */
  default StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return put(in, expectation);
    }
  }

  /** Size and digest of a stored blob, or empty if it is not stored. */
  Optional<StoredBlob> stat(Digest digest);

  /**
   * A hint that blob {@code digest} of {@code size} bytes is stored in this store as of now: a peer
   * node sharing the store stored it, or a node of this region verified it before it republished an
   * event naming it, and this node just applied that event. A store that remembers the sizes of
   * blobs it saw recently (so that {@link #open} need not ask a remote server) may remember this
   * one for as long; {@link #stat} still asks. The default ignores it.
   */
  default void sizeSeen(Digest digest, long size) {}

  /** A reader for a stored blob, or empty if it is not stored. */
  Optional<BlobReader> open(Digest digest);

  /**
   * Removes a blob. Deleting a missing blob is not an error.
   *
   * @return whether a blob was removed
   */
  boolean delete(Digest digest);

  /**
   * Refreshes the modified time of a stored blob to now, without changing its content. Writers call
   * it (through {@link #put} of existing content, or directly for a blob they reference without
   * uploading it) so that garbage collection's grace period starts again.
   *
   * @return false if the blob is not stored
   * @throws StorageException if the backing store fails
   */
  boolean touch(Digest digest);

  /**
   * Declares that the caller is about to write an index entry naming this stored blob without
   * storing it (an OCI manifest naming blobs the repository already links). Unlike {@link #touch}
   * it does not refresh the blob's modified time; a store guarded for garbage collection also
   * protects the blob on this node from a concurrent collection until the entry is written. The
   * default checks that the blob is stored.
   *
   * @return false if the blob is not stored
   * @throws StorageException if the backing store fails
   */
  default boolean reference(Digest digest) {
    return stat(digest).isPresent();
  }

  /**
   * Moves a blob out of the live keyspace into a quarantine area kept for inspection (scrub found
   * it corrupt). Quarantining a missing blob is not an error.
   *
   * @return whether a blob was moved
   * @throws StorageException if the backing store fails
   */
  boolean quarantine(Digest digest);

  /**
   * Visits every stored blob (for garbage collection and scrub). The visit order is unspecified.
   */
  void forEach(Consumer<StoredBlob> visitor);

  /**
   * Removes leftovers of interrupted writes (temporary files, incomplete uploads). Called at start.
   *
   * @return how many leftovers were removed
   */
  int cleanupIncomplete();

  @Override
  void close();
}
