package io.berth.node.sumdb;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.util.Base64;

/**
 * A note verifier key, {@code <name>+<hash>+<keydata>} (golang.org/x/mod/sumdb/note): {@code hash}
 * is 8 hex digits, the first 4 bytes (big-endian) of {@code SHA-256(name || "\n" || keydata)}, and
 * {@code keydata} is base64 of the algorithm byte 1 (Ed25519) followed by the 32-byte public key.
 * Signatures are checked with the JDK's Ed25519.
 */
public final class VerifierKey {
  private static final int ALG_ED25519 = 1;

  private final String name;
  private final int hash;
  private final PublicKey key;

  private VerifierKey(String name, int hash, PublicKey key) {
    this.name = name;
    this.hash = hash;
    this.key = key;
  }

  /**
   * Parses a verifier key.
   *
   * @throws IllegalArgumentException when it is malformed, its hash does not match or the algorithm
   *     is not Ed25519
   */
  public static VerifierKey parse(String vkey) {
    int a = vkey.indexOf('+');
    int b = a < 0 ? -1 : vkey.indexOf('+', a + 1);
    if (a <= 0 || b < 0) {
      throw new IllegalArgumentException("verifier key must be <name>+<hash>+<key>");
    }
    String name = vkey.substring(0, a);
    String hex = vkey.substring(a + 1, b);
    if (!validName(name) || hex.length() != 8 || !hex.matches("[0-9a-fA-F]{8}")) {
      throw new IllegalArgumentException("verifier key must be <name>+<8 hex digits>+<key>");
    }
    byte[] keyData;
    try {
      keyData = Base64.getDecoder().decode(vkey.substring(b + 1));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("verifier key data is not base64");
    }
    if (keyData.length != 33 || keyData[0] != ALG_ED25519) {
      throw new IllegalArgumentException("verifier key is not an Ed25519 key");
    }
    int hash = (int) Long.parseLong(hex, 16);
    if (hash != keyHash(name, keyData)) {
      throw new IllegalArgumentException("verifier key hash does not match its name and key");
    }
    byte[] raw = java.util.Arrays.copyOfRange(keyData, 1, 33);
    return new VerifierKey(name, hash, ed25519PublicKey(raw));
  }

  /** The key hash of {@code name} and {@code keyData} (algorithm byte plus key). */
  public static int keyHash(String name, byte[] keyData) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((name + "\n").getBytes(StandardCharsets.UTF_8));
      md.update(keyData);
      return ByteBuffer.wrap(md.digest()).getInt();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A server name: non-empty, no spaces and no {@code +}. */
  static boolean validName(String name) {
    if (name.isEmpty()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c == '+' || Character.isWhitespace(c) || Character.isSpaceChar(c) || c < 0x20) {
        return false;
      }
    }
    return true;
  }

  /** An Ed25519 public key from its 32-byte RFC 8032 encoding. */
  static PublicKey ed25519PublicKey(byte[] raw) {
    byte[] le = raw.clone();
    boolean xOdd = (le[31] & 0x80) != 0;
    le[31] &= 0x7f;
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = le[31 - i];
    }
    try {
      return KeyFactory.getInstance("Ed25519")
          .generatePublic(
              new EdECPublicKeySpec(
                  NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, be))));
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException("invalid Ed25519 public key", e);
    }
  }

  public String name() {
    return name;
  }

  public int hash() {
    return hash;
  }

  /** Whether {@code sig} is a valid Ed25519 signature of {@code message} by this key. */
  public boolean verify(byte[] message, byte[] sig) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(key);
      s.update(message);
      return s.verify(sig);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }
}
