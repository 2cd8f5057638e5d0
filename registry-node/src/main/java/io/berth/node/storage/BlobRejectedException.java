package io.berth.node.storage;

/** Content offered to {@link BlobStore#put} did not match its expectation; nothing was stored. */
public class BlobRejectedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Why the content was rejected. */
  public enum Reason {
    DIGEST_MISMATCH,
    SIZE_MISMATCH,
    TOO_LARGE
  }

  private final Reason reason;

  public BlobRejectedException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
