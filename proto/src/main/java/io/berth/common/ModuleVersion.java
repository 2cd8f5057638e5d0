package io.berth.common;

/**
 * A module path plus a version string as it appears in GOPROXY requests. The version is either a
 * canonical semantic version or, for {@code .info} queries only, another query string such as a
 * branch name; {@link #isCanonical()} tells which.
 */
public record ModuleVersion(ModulePath path, String version) {

  /**
   * Decodes and validates a case-encoded version from a URL.
   *
   * @throws InvalidCoordinateException for a malformed escaped version or disallowed characters
   */
  public static String unescapeVersion(String escaped) {
    if (escaped.isEmpty()) {
      throw new InvalidCoordinateException("malformed version: empty string");
    }
    String v = ModulePath.unescape(escaped, "version");
    if (v.indexOf('/') >= 0) {
      throw new InvalidCoordinateException("malformed version " + ModulePath.quote(v) + ": slash");
    }
    ModulePath.checkGeneral(v, ModulePath.quote(v), true);
    return v;
  }

  /**
   * A canonical version of {@code path}, checked against the path's major-version suffix.
   *
   * @throws InvalidCoordinateException if the version is not canonical or does not match the path's
   *     major version
   */
  public static ModuleVersion canonical(ModulePath path, String version) {
    if (!SemVer.isCanonicalModuleVersion(version)) {
      throw new InvalidCoordinateException(
          "version " + ModulePath.quote(version) + " is not a canonical semantic version");
    }
    if (!path.matchesMajor(version)) {
      throw new InvalidCoordinateException(
          "version "
              + ModulePath.quote(version)
              + " does not match the major version suffix of "
              + path.value());
    }
    return new ModuleVersion(path, version);
  }

  public boolean isCanonical() {
    return SemVer.isCanonicalModuleVersion(version) && path.matchesMajor(version);
  }

  @Override
  public String toString() {
    return path.value() + "@" + version;
  }
}
