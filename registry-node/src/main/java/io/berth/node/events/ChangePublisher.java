package io.berth.node.events;

import io.berth.proto.events.v1.ChangeEvent;
import java.util.List;

/**
 * Publishes change events to the region's log. Contract: returns only when every event is durably
 * accepted (for Kafka: acknowledged by all in-sync replicas), in order per key; throws {@link
 * PublishException} otherwise, and then any prefix may or may not have been published (consumers
 * dedupe by origin and sequence).
 */
public interface ChangePublisher extends AutoCloseable {

  void publish(List<ChangeEvent> events) throws PublishException;

  @Override
  void close();

  /** The log did not accept the events (unreachable, timed out, rejected). */
  class PublishException extends Exception {
    private static final long serialVersionUID = 1L;

    public PublishException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
