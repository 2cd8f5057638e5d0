package io.berth.node.upstream;

/** An upstream failed (unreachable, 5xx, other error status) and the separator rules stop there. */
public class UpstreamFailureException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UpstreamFailureException(String message) {
    super(message);
  }
}
