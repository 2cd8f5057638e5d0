package io.berth.node.gomod;

/** Domain errors of the Go module service; each carries the module coordinates involved. */
public class GoModuleException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong, mapped once to a GOPROXY status by {@link GoProxyErrors}. */
  public enum Kind {
    /** Not on this node nor upstream (404). */
    NOT_FOUND,
    /** A private path this node does not hold; answered 403, never 404 (invariant 7). */
    PRIVATE_NOT_FOUND,
    /** Malformed input (400). */
    BAD_REQUEST,
    /** Upstreams failed and nothing cached can answer (502). */
    UPSTREAM_FAILED,
    /** A checksum database disagrees with the fetched content (502). */
    CHECKSUM_MISMATCH,
    /** The content is too large (413). */
    TOO_LARGE,
    /** Publishing a module path that is not in the publish patterns (403). */
    NOT_PUBLISHABLE
  }

  private final Kind kind;

  public GoModuleException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
