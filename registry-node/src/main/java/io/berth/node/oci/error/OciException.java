package io.berth.node.oci.error;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A domain error of the OCI registry: the spec code it maps to, a message safe to show, the
 * offending values as {@code detail}, and response headers the client needs to act on it (the
 * upload's {@code Location} and {@code Range} after a 416, {@code WWW-Authenticate} on 401, {@code
 * Retry-After} on 429, {@code Content-Range} on a blob 416). Mapped once by {@link OciErrors}.
 */
public class OciException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final OciErrorCode code;
  private final transient Map<String, Object> detail;
  private final transient Map<String, String> headers;

  public OciException(OciErrorCode code, String message) {
    this(code, message, Map.of(), Map.of());
  }

  public OciException(OciErrorCode code, String message, Map<String, ?> detail) {
    this(code, message, detail, Map.of());
  }

  public OciException(
      OciErrorCode code, String message, Map<String, ?> detail, Map<String, String> headers) {
    super(message);
    this.code = code;
    this.detail = Map.copyOf(detail);
    this.headers = Map.copyOf(headers);
  }

  public OciErrorCode code() {
    return code;
  }

  /** The offending values (repository, digest, tag, upload id, ...). */
  public Map<String, Object> detail() {
    return detail;
  }

  /** Headers to send with the error response. */
  public Map<String, String> headers() {
    return headers;
  }

  /** A copy with another header. */
  public OciException withHeader(String name, String value) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    h.put(name, value);
    OciException e = new OciException(code, getMessage(), detail, h);
    e.setStackTrace(getStackTrace());
    return e;
  }
}
