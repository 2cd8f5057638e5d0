package io.berth.coordinator.routing;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * An IPv4 or IPv6 network in CIDR notation ({@code 10.1.0.0/16}, {@code fd00::/8}). A bare address
 * is a host network (/32 or /128). Host bits beyond the prefix must be zero.
 */
public final class Cidr {
  private final byte[] network;
  private final int prefixLength;

  private Cidr(byte[] network, int prefixLength) {
    this.network = network;
    this.prefixLength = prefixLength;
  }

  /**
   * Parses {@code text}.
   *
   * @throws IllegalArgumentException naming the text and what is wrong with it
   */
  public static Cidr parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("empty CIDR");
    }
    String t = text.trim();
    int slash = t.indexOf('/');
    String addr = slash < 0 ? t : t.substring(0, slash);
    byte[] bytes = parseLiteral(addr);
    if (bytes == null) {
      throw new IllegalArgumentException("'" + text + "' is not an IP network (like 10.1.0.0/16)");
    }
    int max = bytes.length * 8;
    int prefix = max;
    if (slash >= 0) {
      String p = t.substring(slash + 1);
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("'" + text + "' has a bad prefix length");
      }
      prefix = Integer.parseInt(p);
      if (prefix > max) {
        throw new IllegalArgumentException(
            "'" + text + "' has a prefix length above " + max + " for its address family");
      }
    }
    if (!Arrays.equals(bytes, mask(bytes, prefix))) {
      throw new IllegalArgumentException(
          "'" + text + "' has host bits set beyond /" + prefix + " (did you mean a network?)");
    }
    return new Cidr(bytes, prefix);
  }

  /**
   * The bytes of an IPv4 or IPv6 literal, or null if {@code s} is not one. Never does a DNS lookup.
   */
  public static byte[] parseLiteral(String s) {
    if (s == null || s.isEmpty() || s.length() > 45) {
      return null;
    }
    boolean v4 = s.chars().allMatch(c -> (c >= '0' && c <= '9') || c == '.');
    boolean v6 =
        s.indexOf(':') >= 0
            && s.chars()
                .allMatch(
                    c ->
                        (c >= '0' && c <= '9')
                            || (c >= 'a' && c <= 'f')
                            || (c >= 'A' && c <= 'F')
                            || c == ':'
                            || c == '.');
    if (v4) {
      String[] parts = s.split("\\.", -1);
      if (parts.length != 4) {
        return null;
      }
      byte[] b = new byte[4];
      for (int i = 0; i < 4; i++) {
        if (parts[i].isEmpty() || parts[i].length() > 3) {
          return null;
        }
        int v = Integer.parseInt(parts[i]);
        if (v > 255) {
          return null;
        }
        b[i] = (byte) v;
      }
      return b;
    }
    if (v6) {
      try {
        // a literal with only hex digits, colons and dots: InetAddress parses it without lookup
        byte[] b = InetAddress.getByName(s).getAddress();
        return b.length == 16 ? b : null;
      } catch (UnknownHostException e) {
        return null;
      }
    }
    return null;
  }

  /** Parses an IP literal into an address (no DNS lookup), or throws with the text. */
  public static InetAddress address(String literal) {
    byte[] b = parseLiteral(literal);
    if (b == null) {
      throw new IllegalArgumentException("'" + literal + "' is not an IP address");
    }
    try {
      return InetAddress.getByAddress(b);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("'" + literal + "' is not an IP address");
    }
  }

  static byte[] mask(byte[] addr, int prefix) {
    byte[] out = addr.clone();
    for (int i = 0; i < out.length; i++) {
      int bitsHere = Math.max(0, Math.min(8, prefix - i * 8));
      int m = bitsHere == 0 ? 0 : (0xff << (8 - bitsHere)) & 0xff;
      out[i] = (byte) (out[i] & m);
    }
    return out;
  }

  /** Whether {@code address} is in this network (always false across address families). */
  public boolean contains(InetAddress address) {
    byte[] a = address.getAddress();
    if (a.length != network.length) {
      return false;
    }
    return Arrays.equals(mask(a, prefixLength), network);
  }

  public int prefixLength() {
    return prefixLength;
  }

  public boolean isIpv4() {
    return network.length == 4;
  }

  @Override
  public String toString() {
    try {
      return InetAddress.getByAddress(network).getHostAddress() + "/" + prefixLength;
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c
        && c.prefixLength == prefixLength
        && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefixLength;
  }
}
