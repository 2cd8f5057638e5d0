package io.berth.common;

import java.util.regex.Pattern;

/**
 * An OCI repository name ({@code <name>} in {@code /v2/<name>/...}): one or more path components
 * separated by {@code /}, each matching {@code [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*}, at most {@value
 * #MAX_LENGTH} characters in all (OCI distribution spec v1.1). Ordered by byte order of the name,
 * which for these ASCII names is {@link String#compareTo}.
 */
public final class RepositoryName implements Comparable<RepositoryName> {

  /** The longest accepted name (clients limit host, slash and name to 255 together). */
  public static final int MAX_LENGTH = 255;

  private static final Pattern NAME =
      Pattern.compile(
          "[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*)*");

  private final String value;

  private RepositoryName(String value) {
    this.value = value;
  }

  /**
   * Parses and validates a repository name.
   *
   * @throws InvalidCoordinateException if it breaks the spec's grammar or length limit; the message
   *     quotes the value safely
   */
  public static RepositoryName parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidCoordinateException("repository name is missing");
    }
    if (text.length() > MAX_LENGTH) {
      throw new InvalidCoordinateException(
          "invalid repository name "
              + ModulePath.quote(text)
              + ": longer than "
              + MAX_LENGTH
              + " characters");
    }
    if (!NAME.matcher(text).matches()) {
      throw new InvalidCoordinateException(
          "invalid repository name "
              + ModulePath.quote(text)
              + ": components must match [a-z0-9]+((.|_|__|-+)[a-z0-9]+)*, separated by /");
    }
    return new RepositoryName(text);
  }

  /** Whether {@code text} is a valid repository name. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (InvalidCoordinateException e) {
      return false;
    }
  }

  public String value() {
    return value;
  }

  /**
   * Whether this name equals {@code prefix} or lies below it ({@code hub} contains {@code hub} and
   * {@code hub/library/alpine}, not {@code hubx}); used to map repository prefixes to upstreams.
   */
  public boolean isWithin(String prefix) {
    String p = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    return value.equals(p) || value.startsWith(p + "/");
  }

  @Override
  public String toString() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RepositoryName r && r.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public int compareTo(RepositoryName o) {
    return value.compareTo(o.value);
  }
}
