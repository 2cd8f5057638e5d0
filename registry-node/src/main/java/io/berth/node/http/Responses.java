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
}
