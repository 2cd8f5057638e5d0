package io.berth.common;

/**
 * A module path, version, repository name, tag or digest that breaks the syntax rules. The message
 * is safe to show to a client: it quotes the offending value with control characters escaped.
 */
public class InvalidCoordinateException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public InvalidCoordinateException(String message) {
    super(message);
  }
}
