package io.berth.node.sumdb;

/** Domain errors of the checksum-database proxy; mapped once to HTTP by {@link SumdbHandler}. */
public class SumdbException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What went wrong. */
  public enum Kind {
    /** Malformed lookup or tile path (400). */
    BAD_REQUEST,
    /** A private module path: never looked up anywhere (403). */
    PRIVATE,
    /** Unknown database, or the database does not hold the object (404). */
    NOT_FOUND,
    /** The upstream database failed or served something invalid, and nothing cached helps (502). */
    UPSTREAM_FAILED
  }

  private final Kind kind;

  public SumdbException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
