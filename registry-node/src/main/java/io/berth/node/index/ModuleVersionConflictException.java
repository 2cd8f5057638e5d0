package io.berth.node.index;

/** A module version already exists with different content; versions are immutable. */
public class ModuleVersionConflictException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String modulePath;
  private final String version;
  private final String field;

  public ModuleVersionConflictException(String modulePath, String version, String field) {
    super(
        modulePath
            + "@"
            + version
            + " already exists with a different "
            + field
            + "; module versions are immutable");
    this.modulePath = modulePath;
    this.version = version;
    this.field = field;
  }

  public String modulePath() {
    return modulePath;
  }

  public String version() {
    return version;
  }

  public String field() {
    return field;
  }
}
