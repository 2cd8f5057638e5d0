package io.berth.node.oci.error;

/**
 * The OCI distribution spec's error codes (its "Error Codes" table, code-1 to code-14) and the one
 * place that decides their HTTP statuses. A few endpoint rows of the spec answer a code with
 * another status (an out-of-order chunk is {@code BLOB_UPLOAD_INVALID} with 416, an oversized
 * manifest 413); they are listed here as variants that send the same wire code. Two codes outside
 * the table ({@code UNAVAILABLE}, {@code UNKNOWN}, both from distribution's errcode package) cover
 * storage outages and bugs; clients treat codes they do not know as {@code UNKNOWN}.
 */
public enum OciErrorCode {
  BLOB_UNKNOWN("BLOB_UNKNOWN", 404, "blob unknown to registry"),
  BLOB_UPLOAD_INVALID("BLOB_UPLOAD_INVALID", 400, "blob upload invalid"),
  BLOB_UPLOAD_UNKNOWN("BLOB_UPLOAD_UNKNOWN", 404, "blob upload unknown to registry"),
  DIGEST_INVALID("DIGEST_INVALID", 400, "provided digest did not match uploaded content"),
  MANIFEST_BLOB_UNKNOWN(
      "MANIFEST_BLOB_UNKNOWN", 400, "manifest references a manifest or blob unknown to registry"),
  MANIFEST_INVALID("MANIFEST_INVALID", 400, "manifest invalid"),
  MANIFEST_UNKNOWN("MANIFEST_UNKNOWN", 404, "manifest unknown to registry"),
  NAME_INVALID("NAME_INVALID", 400, "invalid repository name"),
  NAME_UNKNOWN("NAME_UNKNOWN", 404, "repository name not known to registry"),
  SIZE_INVALID("SIZE_INVALID", 400, "provided length did not match content length"),
  UNAUTHORIZED("UNAUTHORIZED", 401, "authentication required"),
  DENIED("DENIED", 403, "requested access to the resource is denied"),
  UNSUPPORTED("UNSUPPORTED", 400, "the operation is unsupported"),
  TOOMANYREQUESTS("TOOMANYREQUESTS", 429, "too many requests"),

  /** A chunk that does not start where the upload ends (out of order or repeated). */
  BLOB_UPLOAD_RANGE_INVALID("BLOB_UPLOAD_INVALID", 416, "blob upload invalid"),
  /** A manifest larger than {@code oci.maxManifestBytes}. */
  MANIFEST_TOO_LARGE("MANIFEST_INVALID", 413, "manifest invalid"),
  /** A blob {@code Range} outside the blob ({@code 500-0}, start past the end). */
  RANGE_NOT_SATISFIABLE("UNSUPPORTED", 416, "the operation is unsupported"),
  /** A method the endpoint does not serve. */
  METHOD_NOT_ALLOWED("UNSUPPORTED", 405, "the operation is unsupported"),
  /** A path under {@code /v2/} that is no endpoint of the spec. */
  ENDPOINT_UNKNOWN("UNSUPPORTED", 404, "the operation is unsupported"),

  /**
   * A pull-through upstream served content that does not hash to its digest; nothing was stored. A
   * gateway error (502): the client's request was fine.
   */
  UPSTREAM_DIGEST_INVALID("DIGEST_INVALID", 502, "provided digest did not match uploaded content"),
  /** A pull-through upstream served a manifest this registry cannot store; nothing was stored. */
  UPSTREAM_MANIFEST_INVALID("MANIFEST_INVALID", 502, "manifest invalid"),

  /**
   * The index or blob store failed, or a pull-through upstream is unreachable with nothing cached
   * (usually transient); sent with {@code Retry-After}.
   */
  UNAVAILABLE("UNAVAILABLE", 503, "service unavailable"),
  /** A bug: never expected. */
  UNKNOWN("UNKNOWN", 500, "unknown error");

  private final String code;
  private final int status;
  private final String message;

  OciErrorCode(String code, int status, String message) {
    this.code = code;
    this.status = status;
    this.message = message;
  }

  /** The code as sent in the error body. */
  public String code() {
    return code;
  }

  /** The HTTP status sent with it. */
  public int status() {
    return status;
  }

  /** The spec's message for the code. */
  public String message() {
    return message;
  }

  /** Whether clients should retry later (a {@code Retry-After} header is sent). */
  public boolean retryable() {
    return status == 429 || status == 503;
  }
}
