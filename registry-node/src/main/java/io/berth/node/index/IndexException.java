package io.berth.node.index;

/** The index storage failed (disk error, corruption). */
public class IndexException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public IndexException(String message, Throwable cause) {
    super(message, cause);
  }
}
