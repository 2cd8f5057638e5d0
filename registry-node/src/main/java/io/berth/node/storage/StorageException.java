package io.berth.node.storage;

/** The backing store failed (disk error, S3 unavailable, ...). Usually transient. */
public class StorageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StorageException(String message, Throwable cause) {
    super(message, cause);
  }

  public StorageException(String message) {
    super(message);
  }
}
