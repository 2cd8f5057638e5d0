package io.berth.node.storage;

import io.berth.common.Digest;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * What a {@link BlobStore#put} must find in the stream. A {@code null} digest means "content
 * addressed, any digest", computed with {@code algorithm}; {@code size} -1 means unknown. {@code
 * onVerified} is told the content's digest once it is verified, before the blob becomes visible
 * under its final key (see {@link #verify}). {@code hashed}, when set, is the digest (in {@code
 * algorithm}) of the whole content of a file handed to {@link BlobStore#adopt}, computed by the
 * caller while it wrote that file (an upload session hashed as its chunks arrived): a store that
 * adopts the file in place may take it instead of reading the file again. {@link BlobStore#put}
 * ignores it, since it hashes the stream anyway.
 */
public record PutExpectation(
    Digest digest,
    Digest.Algorithm algorithm,
    long size,
    long maxSize,
    Consumer<Digest> onVerified,
    Digest hashed) {

  public static final long UNLIMITED = Long.MAX_VALUE;

  private static final Consumer<Digest> NOBODY = d -> {};

  public PutExpectation {
    if (digest != null) {
      algorithm = digest.algorithm();
    }
    if (algorithm == null) {
      algorithm = Digest.Algorithm.SHA256;
    }
    if (onVerified == null) {
      onVerified = NOBODY;
    }
    if (hashed != null && hashed.algorithm() != algorithm) {
      hashed = null;
    }
  }

  /** Any content, sha256-addressed, no size limit. */
  public static PutExpectation any() {
    return new PutExpectation(null, Digest.Algorithm.SHA256, -1, UNLIMITED, NOBODY, null);
  }

  /** Content that must hash to {@code digest}. */
  public static PutExpectation digest(Digest digest) {
    return new PutExpectation(digest, digest.algorithm(), -1, UNLIMITED, NOBODY, null);
  }

  public PutExpectation withSize(long size) {
    return new PutExpectation(digest, algorithm, size, maxSize, onVerified, hashed);
  }

  public PutExpectation withMaxSize(long maxSize) {
    return new PutExpectation(digest, algorithm, size, maxSize, onVerified, hashed);
  }

  /**
   * The same expectation, for a file whose whole content the caller hashed to {@code contentDigest}
   * while writing it (see the class comment); ignored when it is of another algorithm.
   */
  public PutExpectation withHashed(Digest contentDigest) {
    return new PutExpectation(digest, algorithm, size, maxSize, onVerified, contentDigest);
  }

  /**
   * The same expectation, with {@code listener} told the verified digest before the blob becomes
   * visible (after any listener already set). The GC guard uses it to record a write before garbage
   * collection can list the blob (ADR 0008).
   */
  public PutExpectation whenVerified(Consumer<Digest> listener) {
    return new PutExpectation(
        digest, algorithm, size, maxSize, onVerified.andThen(listener), hashed);
  }

  /**
   * The stores' one digest check: the digest {@code md} computed over the content, checked against
   * the expected one, then passed to {@link #onVerified}. A store calls it after reading the whole
   * content and before the blob is visible under its final key.
   *
   * @throws BlobRejectedException if the content does not hash to the expected digest (the listener
   *     is not called then)
   */
  public Digest verify(MessageDigest md) {
    return verify(Digest.of(algorithm, md.digest()));
  }

  /**
   * {@link #verify(MessageDigest)} for a content digest already computed: {@link #hashed}, when a
   * store adopts a file without reading it again.
   */
  public Digest verify(Digest actual) {
    if (digest != null && !digest.equals(actual)) {
      throw new BlobRejectedException(
          BlobRejectedException.Reason.DIGEST_MISMATCH,
          "content digest " + actual + " does not match " + digest);
    }
    onVerified.accept(actual);
    return actual;
  }
}
