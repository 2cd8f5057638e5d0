package io.berth.node.sumdb;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A lookup response: {@code "<record id>\n<record text>\n<signed tree note>"}, where the record
 * text ends in a newline and has no blank line (so the blank line ends it).
 */
public record LookupResponse(long id, byte[] text, byte[] signedTree) {

  /**
   * Parses a lookup response.
   *
   * @throws IllegalArgumentException when it is malformed
   */
  public static LookupResponse parse(byte[] msg) {
    int nl = -1;
    for (int i = 0; i < msg.length && i < 20; i++) {
      if (msg[i] == '\n') {
        nl = i;
        break;
      }
    }
    if (nl <= 0) {
      throw new IllegalArgumentException("malformed lookup response: no record id");
    }
    String idText = new String(msg, 0, nl, StandardCharsets.US_ASCII);
    long id;
    try {
      id = Long.parseLong(idText);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("malformed lookup response: bad record id");
    }
    if (id < 0 || !Long.toString(id).equals(idText)) {
      throw new IllegalArgumentException("malformed lookup response: bad record id");
    }
    int end = SignedNote.indexOf(msg, new byte[] {'\n', '\n'}, nl + 1);
    if (end < 0) {
      throw new IllegalArgumentException("malformed lookup response: unterminated record");
    }
    byte[] text = Arrays.copyOfRange(msg, nl + 1, end + 1);
    for (byte b : text) {
      if ((b & 0xff) < 0x20 && b != '\n') {
        throw new IllegalArgumentException("malformed lookup response: control character");
      }
    }
    return new LookupResponse(id, text, Arrays.copyOfRange(msg, end + 2, msg.length));
  }

  /** The {@code h1:} hash the record gives for {@code "<path> <version>"}, or null. */
  public String hashFor(String path, String version) {
    String prefix = path + " " + version + " ";
    for (String line : new String(text, StandardCharsets.UTF_8).split("\n")) {
      if (line.startsWith(prefix)) {
        return line.substring(prefix.length());
      }
    }
    return null;
  }
}
