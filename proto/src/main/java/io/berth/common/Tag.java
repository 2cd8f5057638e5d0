package io.berth.common;

import java.util.regex.Pattern;

/**
 * An OCI tag: {@code [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}} (OCI distribution spec v1.1). Ordered by
 * byte order (the tags list is sorted that way), which for these ASCII tags is {@link
 * String#compareTo}.
 */
public final class Tag implements Comparable<Tag> {

  /** The longest tag. */
  public static final int MAX_LENGTH = 128;

  private static final Pattern TAG = Pattern.compile("[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");

  private final String value;

  private Tag(String value) {
    this.value = value;
  }

  /**
   * Parses and validates a tag.
   *
   * @throws InvalidCoordinateException if it breaks the grammar; the message quotes it safely
   */
  public static Tag parse(String text) {
    if (text == null || text.isEmpty()) {
      throw new InvalidCoordinateException("tag is missing");
    }
    if (text.length() > MAX_LENGTH || !TAG.matcher(text).matches()) {
      throw new InvalidCoordinateException(
          "invalid tag "
              + ModulePath.quote(text)
              + ": must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}");
    }
    return new Tag(text);
  }

  /** Whether {@code text} is a valid tag. */
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

  @Override
  public String toString() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Tag t && t.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public int compareTo(Tag o) {
    return value.compareTo(o.value);
  }
}
