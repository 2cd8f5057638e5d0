package io.berth.node.config;

/** The configuration is invalid; the message names the setting and the fix. */
public class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }
}
