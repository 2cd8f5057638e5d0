package io.berth.common;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Objects;

/**
 * A content digest in the OCI form {@code <algorithm>:<lowercase hex>}. Only {@code sha256} and
 * {@code sha512} are accepted; anything else is rejected with {@link IllegalArgumentException}.
 */
public final class Digest implements Comparable<Digest> {

  /** Supported digest algorithms, with their hex lengths. */
  public enum Algorithm {
    SHA256("sha256", "SHA-256", 64),
    SHA512("sha512", "SHA-512", 128);

    private final String prefix;
    private final String jcaName;
    private final int hexLength;

    Algorithm(String prefix, String jcaName, int hexLength) {
      this.prefix = prefix;
      this.jcaName = jcaName;
      this.hexLength = hexLength;
    }

    public String prefix() {
      return prefix;
    }

    public int hexLength() {
      return hexLength;
    }

    /** A fresh {@link MessageDigest} for this algorithm. */
    public MessageDigest newMessageDigest() {
      try {
        return MessageDigest.getInstance(jcaName);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("JDK lacks " + jcaName, e);
      }
    }

    static Algorithm fromPrefix(String prefix) {
      for (Algorithm a : values()) {
        if (a.prefix.equals(prefix)) {
          return a;
        }
      }
      return null;
    }
  }

  private final Algorithm algorithm;
  private final String hex;

  private Digest(Algorithm algorithm, String hex) {
    this.algorithm = algorithm;
    this.hex = hex;
  }

  /**
   * Parses {@code sha256:<64 hex>} or {@code sha512:<128 hex>}.
   *
   * @throws InvalidCoordinateException (an {@link IllegalArgumentException}) if the text is not a
   *     supported, well-formed digest
   */
  public static Digest parse(String text) {
    if (text == null) {
      throw new InvalidCoordinateException("digest is missing");
    }
    int colon = text.indexOf(':');
    if (colon <= 0) {
      throw new InvalidCoordinateException("digest has no algorithm: " + abbreviate(text));
    }
    Algorithm algorithm = Algorithm.fromPrefix(text.substring(0, colon));
    if (algorithm == null) {
      throw new InvalidCoordinateException(
          "unsupported digest algorithm: " + abbreviate(text.substring(0, colon)));
    }
    String hex = text.substring(colon + 1);
    if (hex.length() != algorithm.hexLength) {
      throw new InvalidCoordinateException(
          "digest " + algorithm.prefix + " needs " + algorithm.hexLength + " hex characters");
    }
    for (int i = 0; i < hex.length(); i++) {
      char c = hex.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new InvalidCoordinateException("digest must be lowercase hex: " + abbreviate(text));
      }
    }
    return new Digest(algorithm, hex);
  }

  /** Whether {@code text} parses as a supported digest. */
  public static boolean isValid(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Builds a digest from the raw hash bytes. */
  public static Digest of(Algorithm algorithm, byte[] hash) {
    Objects.requireNonNull(algorithm);
    if (hash.length * 2 != algorithm.hexLength) {
      throw new IllegalArgumentException("wrong hash length for " + algorithm.prefix);
    }
    return new Digest(algorithm, HexFormat.of().formatHex(hash));
  }

  /** The digest of {@code bytes} with {@code algorithm}. */
  public static Digest compute(Algorithm algorithm, byte[] bytes) {
    return of(algorithm, algorithm.newMessageDigest().digest(bytes));
  }

  /** The sha256 digest of {@code bytes}. */
  public static Digest sha256(byte[] bytes) {
    return of(Algorithm.SHA256, Algorithm.SHA256.newMessageDigest().digest(bytes));
  }

  public Algorithm algorithm() {
    return algorithm;
  }

  public String hex() {
    return hex;
  }

  /** The raw hash bytes. */
  public byte[] bytes() {
    return HexFormat.of().parseHex(hex);
  }

  @Override
  public String toString() {
    return algorithm.prefix + ":" + hex;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && d.algorithm == algorithm && d.hex.equals(hex);
  }

  @Override
  public int hashCode() {
    return algorithm.hashCode() * 31 + hex.hashCode();
  }

  @Override
  public int compareTo(Digest o) {
    return toString().compareTo(o.toString());
  }

  private static String abbreviate(String s) {
    String t = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return t.toLowerCase(Locale.ROOT).replaceAll("[^\\x20-\\x7e]", "?");
  }
}
