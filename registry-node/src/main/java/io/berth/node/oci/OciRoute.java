package io.berth.node.oci;

import io.berth.common.Digest;
import io.berth.common.InvalidCoordinateException;
import io.berth.common.ModulePath;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.http.Responses;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import java.util.Arrays;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parsed and validated {@code /v2/} path: which endpoint, and its repository name, tag, digest or
 * upload id. Parsing never touches the index or storage; every value is checked against the spec's
 * grammar here, so services only see valid coordinates.
 *
 * <p>Names may contain {@code /}, so the endpoint is recognised from the end of the path: {@code
 * <name>/manifests/<reference>}, {@code <name>/blobs/<digest>}, {@code
 * <name>/blobs/uploads/[<id>]}, {@code <name>/tags/list}, {@code <name>/referrers/<digest>}.
 */
public record OciRoute(Kind kind, RepositoryName name, Tag tag, Digest digest, String uploadId) {

  /** The endpoints of the distribution spec. */
  public enum Kind {
    PING,
    CATALOG,
    MANIFEST,
    BLOB,
    UPLOAD_START,
    UPLOAD,
    TAGS,
    REFERRERS
  }

  /** The path prefix of the API. */
  public static final String PREFIX = "/v2/";

  private static final Pattern UPLOAD_ID = Pattern.compile("[A-Za-z0-9_-]{1,128}");

  /**
   * Parses a raw request path (already checked by the router for normalisation tricks).
   *
   * @throws OciException NAME_INVALID, DIGEST_INVALID, MANIFEST_INVALID (tag), BLOB_UPLOAD_UNKNOWN
   *     (malformed upload id) or ENDPOINT_UNKNOWN
   */
  public static OciRoute parse(String rawPath) {
    if (rawPath.equals("/v2") || rawPath.equals(PREFIX)) {
      return new OciRoute(Kind.PING, null, null, null, null);
    }
    if (!rawPath.startsWith(PREFIX)) {
      throw unknownEndpoint(rawPath);
    }
    String rest;
    try {
      rest = Responses.percentDecode(rawPath.substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      throw new OciException(
          OciErrorCode.NAME_INVALID, "invalid path: " + e.getMessage(), Map.of());
    }
    if (rest.equals("_catalog")) {
      return new OciRoute(Kind.CATALOG, null, null, null, null);
    }
    String[] s = rest.split("/", -1);
    int n = s.length;
    if (n >= 3 && s[n - 1].isEmpty() && s[n - 2].equals("uploads") && s[n - 3].equals("blobs")) {
      return new OciRoute(Kind.UPLOAD_START, name(s, n - 3), null, null, null);
    }
    if (n >= 2 && s[n - 1].equals("uploads") && s[n - 2].equals("blobs")) {
      return new OciRoute(Kind.UPLOAD_START, name(s, n - 2), null, null, null);
    }
    if (n >= 3 && s[n - 2].equals("uploads") && s[n - 3].equals("blobs")) {
      RepositoryName name = name(s, n - 3);
      String id = s[n - 1];
      if (!UPLOAD_ID.matcher(id).matches()) {
        throw new OciException(
            OciErrorCode.BLOB_UPLOAD_UNKNOWN,
            "upload " + ModulePath.quote(id) + " is unknown",
            Map.of("upload", ModulePath.quote(id)));
      }
      return new OciRoute(Kind.UPLOAD, name, null, null, id);
    }
    if (n >= 2 && s[n - 2].equals("blobs")) {
      return new OciRoute(Kind.BLOB, name(s, n - 2), null, digest(s[n - 1]), null);
    }
    if (n >= 2 && s[n - 2].equals("manifests")) {
      RepositoryName name = name(s, n - 2);
      String ref = s[n - 1];
      if (ref.indexOf(':') >= 0) {
        return new OciRoute(Kind.MANIFEST, name, null, digest(ref), null);
      }
      return new OciRoute(Kind.MANIFEST, name, tag(ref), null, null);
    }
    if (n >= 2 && s[n - 2].equals("tags") && s[n - 1].equals("list")) {
      return new OciRoute(Kind.TAGS, name(s, n - 2), null, null, null);
    }
    if (n >= 2 && s[n - 2].equals("referrers")) {
      return new OciRoute(Kind.REFERRERS, name(s, n - 2), null, digest(s[n - 1]), null);
    }
    throw unknownEndpoint(rawPath);
  }

  /** Whether this endpoint is addressed by a manifest tag (rather than a digest). */
  public boolean byTag() {
    return tag != null;
  }

  /** The manifest reference as written in URLs: the tag or the digest. */
  public String reference() {
    return tag != null ? tag.value() : digest == null ? null : digest.toString();
  }

  private static RepositoryName name(String[] segments, int end) {
    String joined = String.join("/", Arrays.copyOfRange(segments, 0, end));
    try {
      return RepositoryName.parse(joined);
    } catch (InvalidCoordinateException e) {
      throw new OciException(
          OciErrorCode.NAME_INVALID, e.getMessage(), Map.of("name", ModulePath.quote(joined)));
    }
  }

  /** Parses a digest from a client, mapping bad syntax to DIGEST_INVALID. */
  public static Digest digest(String text) {
    try {
      return Digest.parse(text);
    } catch (IllegalArgumentException e) {
      throw new OciException(
          OciErrorCode.DIGEST_INVALID,
          "invalid digest " + ModulePath.quote(text == null ? "" : text) + ": " + e.getMessage(),
          Map.of("digest", ModulePath.quote(text == null ? "" : text)));
    }
  }

  /** Parses a tag from a client, mapping bad syntax to MANIFEST_INVALID. */
  public static Tag tag(String text) {
    try {
      return Tag.parse(text);
    } catch (InvalidCoordinateException e) {
      throw new OciException(
          OciErrorCode.MANIFEST_INVALID, e.getMessage(), Map.of("tag", ModulePath.quote(text)));
    }
  }

  /** Parses a repository name from a client (e.g. {@code from=}), mapping to NAME_INVALID. */
  public static RepositoryName repository(String text) {
    try {
      return RepositoryName.parse(text);
    } catch (InvalidCoordinateException e) {
      throw new OciException(
          OciErrorCode.NAME_INVALID,
          e.getMessage(),
          Map.of("name", ModulePath.quote(text == null ? "" : text)));
    }
  }

  private static OciException unknownEndpoint(String path) {
    return new OciException(
        OciErrorCode.ENDPOINT_UNKNOWN, "no such endpoint: " + ModulePath.quote(path), Map.of());
  }
}
