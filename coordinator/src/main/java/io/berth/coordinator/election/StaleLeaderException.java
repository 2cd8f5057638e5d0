package io.berth.coordinator.election;

/** A leader-only write was rejected because another term began (the fence check failed). */
public final class StaleLeaderException extends Exception {
  public StaleLeaderException(long epoch, Throwable cause) {
    super("leader term with epoch " + epoch + " is over; the write was rejected", cause);
  }
}
