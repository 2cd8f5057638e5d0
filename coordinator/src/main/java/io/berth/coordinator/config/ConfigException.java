package io.berth.coordinator.config;

/** A configuration error whose message names the bad setting and how to fix it. */
public final class ConfigException extends RuntimeException {
  public ConfigException(String message) {
    super(message);
  }
}
