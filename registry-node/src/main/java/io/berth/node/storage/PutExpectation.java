package io.berth.node.storage;

import io.berth.common.Digest;
import java.security.MessageDigest;
import java.util.function.Consumer;

/**
 * What a {@link BlobStore#put} must find in the stream. A {@code null} digest means "content
 * addressed, any digest", computed with {@code algorithm}; {@code size} -1 means unknown. {@code
 * onVerified} is told the content's digest once it is verified, before the blob becomes visible
 * under its final key (see {@link #verify}).
 */
public record PutExpectation(
    Digest digest,
    Digest.Algorithm algorithm,
    long size,
    long maxSize,
    Consumer<Digest> onVerified) {

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
  }

  /** Any content, sha256-addressed, no size limit. */
  public static PutExpectation any() {
    return new PutExpectation(null, Digest.Algorithm.SHA256, -1, UNLIMITED, NOBODY);
  }

  /** Content that must hash to {@code digest}. */
  public static PutExpectation digest(Digest digest) {
    return new PutExpectation(digest, digest.algorithm(), -1, UNLIMITED, NOBODY);
  }

  public PutExpectation withSize(long size) {
    return new PutExpectation(digest, algorithm, size, maxSize, onVerified);
  }

  public PutExpectation withMaxSize(long maxSize) {
    return new PutExpectation(digest, algorithm, size, maxSize, onVerified);
  }

  /**
   * The same expectation, with {@code listener} told the verified digest before the blob becomes
   * visible (after any listener already set). The GC guard uses it to record a write before garbage
   * collection can list the blob (ADR 0008).
   */
  public PutExpectation whenVerified(Consumer<Digest> listener) {
    return new PutExpectation(digest, algorithm, size, maxSize, onVerified.andThen(listener));
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
    Digest actual = Digest.of(algorithm, md.digest());
    if (digest != null && !digest.equals(actual)) {
      throw new BlobRejectedException(
          BlobRejectedException.Reason.DIGEST_MISMATCH,
          "content digest " + actual + " does not match " + digest);
    }
    onVerified.accept(actual);
    return actual;
  }
}
