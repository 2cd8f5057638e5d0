package io.berth.node.gomod;

import io.berth.common.InvalidCoordinateException;
import io.berth.node.http.Exchange;
import io.berth.node.index.IndexException;
import io.berth.node.index.ModuleVersionConflictException;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.StorageBusyException;
import io.berth.node.storage.StorageException;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one mapper from domain and storage errors to GOPROXY responses: short {@code text/plain}
 * bodies, and only 404 for "not here" (never for private paths, which get 403).
 */
final class GoProxyErrors {
  private static final Logger log = LoggerFactory.getLogger(GoProxyErrors.class);

  private GoProxyErrors() {}

  /** Writes the error response for {@code e}; returns false if {@code e} is not a known error. */
  static boolean send(Exchange ex, Exception e) {
    if (ex.responded()) {
      return false;
    }
    if (e instanceof GoModuleException g) {
      int status =
          switch (g.kind()) {
            case NOT_FOUND -> 404;
            case PRIVATE_NOT_FOUND, NOT_PUBLISHABLE -> 403;
            case BAD_REQUEST -> 400;
            case TOO_LARGE -> 413;
            case UPSTREAM_FAILED, CHECKSUM_MISMATCH -> 502;
          };
      ex.sendText(status, g.getMessage());
      return true;
    }
    if (e instanceof InvalidCoordinateException) {
      ex.sendText(400, "bad request: " + e.getMessage());
      return true;
    }
    if (e instanceof ModuleVersionConflictException) {
      ex.sendText(409, "conflict: " + e.getMessage());
      return true;
    }
    if (e instanceof BlobRejectedException b) {
      ex.sendText(b.reason() == BlobRejectedException.Reason.TOO_LARGE ? 413 : 400, e.getMessage());
      return true;
    }
    if (e instanceof io.berth.node.http.BodyTimeoutException) {
      ex.sendText(408, "request timeout: " + e.getMessage());
      return true;
    }
    if (e instanceof StorageBusyException b) {
      log.info("storage busy: {}", b.getMessage());
      ex.sendText(
          503,
          "storage busy, retry later: " + b.getMessage(),
          Map.of("Retry-After", Long.toString(b.retryAfterSeconds())));
      return true;
    }
    if (e instanceof StorageException || e instanceof IndexException) {
      log.warn("storage failure: {}", e.toString());
      ex.sendText(503, "storage unavailable, retry later", Map.of("Retry-After", "5"));
      return true;
    }
    return false;
  }
}
