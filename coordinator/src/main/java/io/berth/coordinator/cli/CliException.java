package io.berth.coordinator.cli;

/** A user error of a CLI command: printed as one line with the fix, exit code 2. */
public final class CliException extends RuntimeException {
  public CliException(String message) {
    super(message);
  }
}
