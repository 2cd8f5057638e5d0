package io.berth.coordinator.api;

/** A resolve API request that cannot be answered: a bad argument, or no table yet. */
public final class ResolveException extends Exception {
  /** Why the request failed; each wire protocol maps it once. */
  public enum Reason {
    INVALID_ARGUMENT,
    UNAVAILABLE
  }

  private final Reason reason;

  public ResolveException(Reason reason, String message) {
    super(message);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
