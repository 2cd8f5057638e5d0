package io.berth.node.storage;

/**
 * The store is healthy but has no capacity for this request right now (for example all upload
 * buffers of the node are in use). Clients should retry after {@link #retryAfterSeconds()}; the
 * wire mappers answer 503 with a {@code Retry-After} header.
 */
public class StorageBusyException extends StorageException {
  private static final long serialVersionUID = 1L;
  private final long retryAfterSeconds;

  public StorageBusyException(String message, long retryAfterSeconds) {
    super(message);
    this.retryAfterSeconds = Math.max(1, retryAfterSeconds);
  }

  /** Seconds the client should wait before it retries (at least 1). */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
