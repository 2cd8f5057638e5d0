package io.berth.node.sumdb;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * A signed note (golang.org/x/mod/sumdb/note): UTF-8 text ending in a newline, a blank line, then
 * signature lines {@code "— <name> <base64(keyhash[4] || signature)>\n"}. The signature covers the
 * text including its final newline.
 */
public final class SignedNote {
  private static final byte[] SIG_PREFIX = "\u2014 ".getBytes(StandardCharsets.UTF_8);
  private static final int MAX_SIGNATURES = 100;

  private SignedNote() {}

  /**
   * Returns the text of {@code msg} after checking that {@code key} signed it.
   *
   * @throws IllegalArgumentException when the note is malformed or carries no valid signature by
   *     {@code key}
   */
  public static byte[] open(byte[] msg, VerifierKey key) {
    String all;
    try {
      all =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(msg))
              .toString();
    } catch (CharacterCodingException e) {
      throw new IllegalArgumentException("note is not valid UTF-8");
    }
    for (int i = 0; i < all.length(); i++) {
      char c = all.charAt(i);
      if (c < 0x20 && c != '\n') {
        throw new IllegalArgumentException("note contains a control character");
      }
    }
    int split = lastIndexOf(msg, new byte[] {'\n', '\n'});
    if (split < 0) {
      throw new IllegalArgumentException("note has no signature block");
    }
    byte[] text = Arrays.copyOfRange(msg, 0, split + 1);
    byte[] sigs = Arrays.copyOfRange(msg, split + 2, msg.length);
    if (sigs.length == 0 || sigs[sigs.length - 1] != '\n') {
      throw new IllegalArgumentException("note signature block must end in a newline");
    }
    int start = 0;
    int count = 0;
    boolean verified = false;
    while (start < sigs.length) {
      int nl = indexOf(sigs, (byte) '\n', start);
      byte[] line = Arrays.copyOfRange(sigs, start, nl);
      start = nl + 1;
      if (++count > MAX_SIGNATURES) {
        throw new IllegalArgumentException("note has too many signatures");
      }
      if (!startsWith(line, SIG_PREFIX)) {
        throw new IllegalArgumentException("malformed note signature line");
      }
      String rest =
          new String(
              line, SIG_PREFIX.length, line.length - SIG_PREFIX.length, StandardCharsets.UTF_8);
      int sp = rest.indexOf(' ');
      if (sp <= 0) {
        throw new IllegalArgumentException("malformed note signature line");
      }
      String name = rest.substring(0, sp);
      byte[] sig;
      try {
        sig = Base64.getDecoder().decode(rest.substring(sp + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("note signature is not base64");
      }
      if (sig.length < 5 || !VerifierKey.validName(name)) {
        throw new IllegalArgumentException("malformed note signature line");
      }
      int hash = ByteBuffer.wrap(sig, 0, 4).getInt();
      if (name.equals(key.name()) && hash == key.hash()) {
        if (!key.verify(text, Arrays.copyOfRange(sig, 4, sig.length))) {
          throw new IllegalArgumentException("invalid signature by " + key.name());
        }
        verified = true;
      }
    }
    if (!verified) {
      throw new IllegalArgumentException("note is not signed by " + key.name());
    }
    return text;
  }

  private static boolean startsWith(byte[] a, byte[] prefix) {
    return a.length >= prefix.length
        && Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static int indexOf(byte[] a, byte b, int from) {
    for (int i = from; i < a.length; i++) {
      if (a[i] == b) {
        return i;
      }
    }
    return -1;
  }

  static int lastIndexOf(byte[] a, byte[] pat) {
    for (int i = a.length - pat.length; i >= 0; i--) {
      if (Arrays.equals(a, i, i + pat.length, pat, 0, pat.length)) {
        return i;
      }
    }
    return -1;
  }

  static int indexOf(byte[] a, byte[] pat, int from) {
    for (int i = from; i + pat.length <= a.length; i++) {
      if (Arrays.equals(a, i, i + pat.length, pat, 0, pat.length)) {
        return i;
      }
    }
    return -1;
  }
}
