package io.berth.node.oci;

import io.berth.common.ModulePath;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import java.util.Map;

/**
 * The {@code Content-Range} of an upload chunk: {@code <start>-<end>}, inclusive on both ends
 * (distribution spec: {@code ^[0-9]+-[0-9]+$}). For clients that send the RFC form, a leading
 * {@code bytes } or {@code bytes=} and a trailing {@code /<total>} are tolerated.
 */
public record ChunkRange(long start, long end) {

  public long length() {
    return end - start + 1;
  }

  /**
   * Parses a chunk's Content-Range.
   *
   * @throws OciException BLOB_UPLOAD_RANGE_INVALID (416) if it is malformed or {@code end < start}
   */
  public static ChunkRange parse(String header) {
    String s = header.trim();
    if (s.startsWith("bytes=") || s.startsWith("bytes ")) {
      s = s.substring(6).trim();
    }
    int slash = s.indexOf('/');
    if (slash >= 0) {
      s = s.substring(0, slash);
    }
    int dash = s.indexOf('-');
    if (dash <= 0 || dash == s.length() - 1) {
      throw invalid(header);
    }
    long start = number(s.substring(0, dash), header);
    long end = number(s.substring(dash + 1), header);
    if (end < start) {
      throw invalid(header);
    }
    return new ChunkRange(start, end);
  }

  private static long number(String s, String header) {
    if (s.isEmpty() || s.length() > 18) {
      throw invalid(header);
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        throw invalid(header);
      }
    }
    return Long.parseLong(s);
  }

  private static OciException invalid(String header) {
    return new OciException(
        OciErrorCode.BLOB_UPLOAD_RANGE_INVALID,
        "invalid Content-Range " + ModulePath.quote(header) + ": expected <start>-<end>",
        Map.of("contentRange", ModulePath.quote(header)));
  }
}
