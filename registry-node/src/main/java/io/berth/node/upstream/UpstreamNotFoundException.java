package io.berth.node.upstream;

/** Every consulted upstream answered 404/410 (or no upstream is configured). */
public class UpstreamNotFoundException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public UpstreamNotFoundException(String what) {
    super("not found upstream: " + what);
  }
}
