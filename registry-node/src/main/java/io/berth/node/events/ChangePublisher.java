package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.util.List;

/**
 * Publishes change events to the region's log. Contract: returns only when every event is durably
 * accepted (for Kafka: acknowledged by all in-sync replicas), in order per key; throws {@link
 * PublishException} otherwise, and then any prefix may or may not have been published (consumers
 * dedupe by origin and sequence); {@link PublishException#acknowledged()} tells how many leading
 * events are known to be durably accepted, so a caller need not send those again.
 */
public interface ChangePublisher extends AutoCloseable {

  /**
   * Publishes {@code events} in this order. An empty list publishes nothing. Events may be
   * published again (a retry after an unknown outcome); they are then in the log again, and
   * consumers dedupe them.
   *
   * @throws PublishException if the log did not accept every event; {@link
   *     PublishException#acknowledged()} is at most {@code events.size()}
   */
  void publish(List<ChangeEvent> events) throws PublishException;

  /** Releases the connection to the log; calling it again does nothing. */
  @Override
  void close();

  /** The log did not accept the events (unreachable, timed out, rejected). */
  class PublishException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int acknowledged;

    public PublishException(String message, Throwable cause) {
      this(message, cause, 0);
    }

    public PublishException(String message, Throwable cause, int acknowledged) {
      super(message, cause);
      this.acknowledged = acknowledged;
    }

    /** How many leading events of the batch were durably accepted before the failure. */
    public int acknowledged() {
      return acknowledged;
    }
  }
}
