package io.berth.node.oci;

import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One inclusive byte range of a blob, from a request's {@code Range: bytes=...} header (RFC 9110
 * section 14): {@code a-b}, {@code a-} and the suffix form {@code -n}. The end is clamped to the
 * blob; a range that selects nothing ({@code 500-0}, a start past the end, {@code -0}) is refused
 * with 416 and {@code Content-Range: bytes * /<size>}. Other units and multi-range requests are
 * ignored (the whole blob is sent, as RFC 9110 allows).
 */
public record ByteRange(long start, long end) {

  /** The number of bytes in the range. */
  public long length() {
    return end - start + 1;
  }

  /** The {@code Content-Range} value of a 206 answer. */
  public String contentRange(long size) {
    return "bytes " + start + "-" + end + "/" + size;
  }

  /**
   * The range a {@code Range} header selects in a blob of {@code size} bytes, or empty for the
   * whole blob.
   *
   * @throws OciException RANGE_NOT_SATISFIABLE if the range selects nothing or is malformed
   */
  public static Optional<ByteRange> parse(String header, long size) {
    if (header == null || header.isBlank()) {
      return Optional.empty();
    }
    String h = header.trim();
    int eq = h.indexOf('=');
    if (eq < 0 || !h.substring(0, eq).trim().toLowerCase(Locale.ROOT).equals("bytes")) {
      return Optional.empty();
    }
    String spec = h.substring(eq + 1).trim();
    if (spec.indexOf(',') >= 0) {
      return Optional.empty();
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      throw unsatisfiable(header, size);
    }
    String first = spec.substring(0, dash).trim();
    String last = spec.substring(dash + 1).trim();
    if (first.isEmpty()) {
      long n = number(last, header, size);
      if (n == 0 || size == 0) {
        throw unsatisfiable(header, size);
      }
      return Optional.of(new ByteRange(Math.max(0, size - n), size - 1));
    }
    long start = number(first, header, size);
    if (start >= size) {
      throw unsatisfiable(header, size);
    }
    if (last.isEmpty()) {
      return Optional.of(new ByteRange(start, size - 1));
    }
    long end = number(last, header, size);
    if (end < start) {
      throw unsatisfiable(header, size);
    }
    return Optional.of(new ByteRange(start, Math.min(end, size - 1)));
  }

  private static long number(String s, String header, long size) {
    if (s.isEmpty() || s.length() > 18) {
      throw unsatisfiable(header, size);
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        throw unsatisfiable(header, size);
      }
    }
    return Long.parseLong(s);
  }

  private static OciException unsatisfiable(String header, long size) {
    return new OciException(
        OciErrorCode.RANGE_NOT_SATISFIABLE,
        "requested range not satisfiable for a blob of " + size + " bytes",
        Map.of("range", io.berth.common.ModulePath.quote(header), "size", size),
        Map.of("Content-Range", "bytes */" + size));
  }
}
