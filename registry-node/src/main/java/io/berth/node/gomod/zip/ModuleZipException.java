package io.berth.node.gomod.zip;

/** TEMPORARY placeholder until the gozip branch lands. */
public class ModuleZipException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ModuleZipException(String message) {
    super(message);
  }
}
