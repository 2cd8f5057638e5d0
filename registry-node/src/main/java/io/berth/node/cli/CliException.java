package io.berth.node.cli;

/** A user error in a CLI command; printed as {@code berth: <message>} with exit code 2. */
public class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }
}
