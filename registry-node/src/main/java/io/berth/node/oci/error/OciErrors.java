package io.berth.node.oci.error;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.InvalidCoordinateException;
import io.berth.node.http.BodyTimeoutException;
import io.berth.node.http.Exchange;
import io.berth.node.index.IndexException;
import io.berth.node.index.OciReferenceMissingException;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.StorageBusyException;
import io.berth.node.storage.StorageException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapper from domain and storage errors to OCI responses: the spec's JSON body {@code
 * {"errors":[{"code","message","detail"}]}} with the status of its {@link OciErrorCode}, plus
 * {@code Retry-After} on 429 and 503.
 */
public final class OciErrors {
  private static final Logger log = LoggerFactory.getLogger(OciErrors.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Seconds a client should wait after a 429. */
  static final String RETRY_AFTER_BUSY = "1";

  /** Seconds a client should wait after a storage outage (503). */
  static final String RETRY_AFTER_UNAVAILABLE = "5";

  /** The body media type of error responses. */
  public static final String CONTENT_TYPE = "application/json; charset=utf-8";

  private OciErrors() {}

  /** An error response ready to send. */
  public record Response(
      OciErrorCode code, String message, Map<String, Object> detail, Map<String, String> headers) {
    public int status() {
      return code.status();
    }

    /** The spec's JSON body. */
    public byte[] body() {
      return OciErrors.body(code, message, detail);
    }
  }

  /** The response for {@code e}, or empty if it is not an error this protocol knows. */
  public static Optional<Response> map(Throwable e) {
    if (e instanceof OciException o) {
      return Optional.of(response(o.code(), o.getMessage(), o.detail(), o.headers()));
    }
    if (e instanceof OciReferenceMissingException m) {
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("repository", m.repository());
      detail.put("digest", m.missing().get(0));
      detail.put("missing", m.missing());
      return Optional.of(
          response(OciErrorCode.MANIFEST_BLOB_UNKNOWN, m.getMessage(), detail, Map.of()));
    }
    if (e instanceof BlobRejectedException b) {
      OciErrorCode code =
          switch (b.reason()) {
            case DIGEST_MISMATCH -> OciErrorCode.DIGEST_INVALID;
            case SIZE_MISMATCH, TOO_LARGE -> OciErrorCode.SIZE_INVALID;
          };
      return Optional.of(response(code, b.getMessage(), Map.of(), Map.of()));
    }
    if (e instanceof BodyTimeoutException t) {
      return Optional.of(
          response(
              OciErrorCode.SIZE_INVALID,
              "the request body ended before its declared length: " + t.getMessage(),
              Map.of(),
              Map.of("Connection", "close")));
    }
    if (e instanceof InvalidCoordinateException c) {
      return Optional.of(response(OciErrorCode.NAME_INVALID, c.getMessage(), Map.of(), Map.of()));
    }
    if (e instanceof StorageBusyException b) {
      log.info("storage busy: {}", b.getMessage());
      return Optional.of(
          response(
              OciErrorCode.UNAVAILABLE,
              "storage is busy, retry later: " + b.getMessage(),
              Map.of(),
              Map.of("Retry-After", Long.toString(b.retryAfterSeconds()))));
    }
    if (e instanceof StorageException || e instanceof IndexException) {
      log.warn("storage failure: {}", e.toString());
      return Optional.of(
          response(
              OciErrorCode.UNAVAILABLE, "storage is unavailable, retry later", Map.of(), Map.of()));
    }
    return Optional.empty();
  }

  /**
   * Writes the response for {@code e}.
   *
   * @return false if {@code e} is not a known error or the response has already started
   */
  public static boolean send(Exchange ex, Throwable e) {
    if (ex.responded()) {
      return false;
    }
    Optional<Response> r = map(e);
    if (r.isEmpty()) {
      return false;
    }
    send(ex, r.get());
    return true;
  }

  /** Writes an error response. */
  public static void send(Exchange ex, Response r) {
    Map<String, String> headers = new LinkedHashMap<>(r.headers());
    headers.put("Docker-Distribution-API-Version", "registry/2.0");
    ex.sendBytes(r.status(), CONTENT_TYPE, r.body(), headers);
  }

  /** Writes an error response for {@code code}. */
  public static void send(Exchange ex, OciErrorCode code, String message) {
    send(ex, response(code, message, Map.of(), Map.of()));
  }

  /** A response for {@code code}, adding {@code Retry-After} where the code needs it. */
  public static Response response(
      OciErrorCode code, String message, Map<String, ?> detail, Map<String, String> headers) {
    Map<String, String> h = new LinkedHashMap<>(headers);
    if (code.retryable() && !h.containsKey("Retry-After")) {
      h.put(
          "Retry-After",
          code == OciErrorCode.UNAVAILABLE ? RETRY_AFTER_UNAVAILABLE : RETRY_AFTER_BUSY);
    }
    return new Response(code, message, Map.copyOf(detail), Map.copyOf(h));
  }

  /** The spec's error body for one error. */
  public static byte[] body(OciErrorCode code, String message, Map<String, ?> detail) {
    Map<String, Object> error = new LinkedHashMap<>();
    error.put("code", code.code());
    error.put("message", message == null || message.isBlank() ? code.message() : message);
    error.put("detail", detail == null ? Map.of() : detail);
    try {
      return JSON.writeValueAsBytes(Map.of("errors", List.of(error)));
    } catch (JsonProcessingException e) {
      return ("{\"errors\":[{\"code\":\""
              + code.code()
              + "\",\"message\":\""
              + code.message()
              + "\",\"detail\":{}}]}")
          .getBytes(StandardCharsets.UTF_8);
    }
  }
}
