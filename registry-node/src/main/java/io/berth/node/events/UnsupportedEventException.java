package io.berth.node.events;

/**
 * A remote event carries a change this build does not know (written by a newer schema): the node
 * must be upgraded before it can take the event. Not a malformed event (gRPC UNIMPLEMENTED, which
 * the replicator waits on instead of dead-lettering).
 */
public final class UnsupportedEventException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String event;
  private final int schema;

  public UnsupportedEventException(String event, int schema) {
    super(
        "event "
            + event
            + " carries a change this build does not know (schema "
            + schema
            + "); upgrade this node");
    this.event = event;
    this.schema = schema;
  }

  public String event() {
    return event;
  }

  public int schema() {
    return schema;
  }
}
