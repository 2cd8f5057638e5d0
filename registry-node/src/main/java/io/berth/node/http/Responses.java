package io.berth.node.http;

import java.util.Map;

/** Common response header values. */
public final class Responses {
  private Responses() {}

  /** For content that never changes once served (.mod, .zip, full tiles, blobs by digest). */
  public static final String IMMUTABLE = "public, max-age=31536000, immutable";

  /** Headers with a Cache-Control value of max-age {@code seconds}. */
  public static Map<String, String> maxAge(long seconds) {
    return Map.of("Cache-Control", "public, max-age=" + seconds);
  }

  /** Quotes a client-supplied value for an error message, escaping control characters. */
  public static String quote(String s) {
    return io.berth.common.ModulePath.quote(s);
  }

  /**
   * Decodes {@code %XX} escapes of a raw path (clients such as the go command escape {@code !} as
   * {@code %21}). The {@link Router} has already refused escapes of {@code / . \ ; %} and NUL.
   *
   * @throws IllegalArgumentException on a malformed escape or an escape of a non-ASCII byte
   */
  public static String percentDecode(String raw) {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    StringBuilder b = new StringBuilder(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c != '%') {
        b.append(c);
        continue;
      }
      if (i + 2 >= raw.length()) {
        throw new IllegalArgumentException("malformed percent-escape in path");
      }
      int v = Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16);
      if (Character.digit(raw.charAt(i + 1), 16) < 0
          || Character.digit(raw.charAt(i + 2), 16) < 0) {
        throw new IllegalArgumentException("malformed percent-escape in path");
      }
      if (v < 0x20 || v >= 0x7f) {
        throw new IllegalArgumentException("percent-escape of a control or non-ASCII byte in path");
      }
      b.append((char) v);
      i += 2;
    }
    return b.toString();
  }
}
