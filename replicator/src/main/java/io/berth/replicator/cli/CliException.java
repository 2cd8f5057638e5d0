package io.berth.replicator.cli;

/** A user error in a command; printed as {@code berth: <message>} with exit code 2. */
public final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public CliException(String message) {
    super(message);
  }
}
