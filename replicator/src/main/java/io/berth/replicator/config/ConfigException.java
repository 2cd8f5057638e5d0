package io.berth.replicator.config;

/** The replicator configuration is invalid; the message names the setting. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
