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
    StringBuilder b = new StringBuilder("\"");
    int n = Math.min(s.length(), 120);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        b.append(String.format(java.util.Locale.ROOT, "\\x%02x", (int) c & 0xff));
      } else {
        b.append(c);
      }
    }
    if (s.length() > n) {
      b.append("...");
    }
    return b.append('"').toString();
  }
}
