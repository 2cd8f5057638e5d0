package io.berth.node.storage;

import io.berth.common.Digest;

/**
 * What a {@link BlobStore#put} must find in the stream. A {@code null} digest means "content
 * addressed, any digest", computed with {@code algorithm}; {@code size} -1 means unknown.
 */
public record PutExpectation(Digest digest, Digest.Algorithm algorithm, long size, long maxSize) {

  public static final long UNLIMITED = Long.MAX_VALUE;

  public PutExpectation {
    if (digest != null) {
      algorithm = digest.algorithm();
    }
    if (algorithm == null) {
      algorithm = Digest.Algorithm.SHA256;
    }
  }

  /** Any content, sha256-addressed, no size limit. */
  public static PutExpectation any() {
    return new PutExpectation(null, Digest.Algorithm.SHA256, -1, UNLIMITED);
  }

  /** Content that must hash to {@code digest}. */
  public static PutExpectation digest(Digest digest) {
    return new PutExpectation(digest, digest.algorithm(), -1, UNLIMITED);
  }

  public PutExpectation withSize(long size) {
    return new PutExpectation(digest, algorithm, size, maxSize);
  }

  public PutExpectation withMaxSize(long maxSize) {
    return new PutExpectation(digest, algorithm, size, maxSize);
  }
}
