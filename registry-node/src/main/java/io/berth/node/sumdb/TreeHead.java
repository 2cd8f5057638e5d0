package io.berth.node.sumdb;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * A signed tree head's text: {@code "go.sum database tree\n<N>\n<base64 hash>\n"} (later lines are
 * ignored for forward compatibility).
 */
public record TreeHead(long size, byte[] hash) {
  private static final String PREFIX = "go.sum database tree\n";

  /**
   * Parses a tree note text.
   *
   * @throws IllegalArgumentException when it is malformed
   */
  public static TreeHead parse(byte[] text) {
    String s = new String(text, StandardCharsets.UTF_8);
    if (!s.startsWith(PREFIX) || text.length > 1_000_000) {
      throw new IllegalArgumentException("malformed tree note");
    }
    String[] lines = s.split("\n", 4);
    if (lines.length < 4) {
      throw new IllegalArgumentException("malformed tree note");
    }
    long n;
    try {
      n = Long.parseLong(lines[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed tree size");
    }
    if (n < 0 || !Long.toString(n).equals(lines[1])) {
      throw new IllegalArgumentException("malformed tree size");
    }
    byte[] h;
    try {
      h = Base64.getDecoder().decode(lines[2]);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("malformed tree hash");
    }
    if (h.length != Tlog.HASH_SIZE) {
      throw new IllegalArgumentException("malformed tree hash");
    }
    return new TreeHead(n, h);
  }
}
