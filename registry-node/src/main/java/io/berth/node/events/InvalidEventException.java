package io.berth.node.events;

/**
 * A remote event handed to this node has a malformed field; it was neither applied nor republished.
 * (An {@link IllegalArgumentException}: gRPC INVALID_ARGUMENT.)
 */
public final class InvalidEventException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String event;
  private final String problem;

  public InvalidEventException(String event, String problem) {
    super("event " + event + " is invalid: " + problem + "; nothing was republished");
    this.event = event;
    this.problem = problem;
  }

  /** The event, as {@code <region>/<node>#<seq> <key>}. */
  public String event() {
    return event;
  }

  public String problem() {
    return problem;
  }
}
