package io.berth.node.sumdb;

import io.berth.common.ModulePath;
import io.berth.node.access.AccessPolicy;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.http.Responses;
import io.berth.node.index.IndexException;
import io.berth.node.storage.StorageException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code /sumdb/<name>/supported|latest|lookup/<module>@<version>|tile/...}: parses the request,
 * calls {@link SumdbService}, writes the answer. It is also the one mapper from sumdb errors to
 * HTTP (short {@code text/plain} bodies: 400, 403 for private paths, 404, 502, 503). Every GET
 * first passes the {@link AccessPolicy} ({@code READ} on {@code SUMDB} resource {@code <name>}); a
 * denial answers its status and reason as text.
 */
public final class SumdbHandler implements HttpHandler {
  /** The path prefix this handler serves. */
  public static final String PREFIX = "/sumdb/";

  private static final Logger log = LoggerFactory.getLogger(SumdbHandler.class);

  private final SumdbService service;
  private final AccessPolicy access;

  public SumdbHandler(SumdbService service, AccessPolicy access) {
    this.service = service;
    this.access = access;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) {
      ex.sendText(
          405,
          "method not allowed: the checksum database protocol is read-only (GET)",
          Map.of("Allow", "GET, HEAD"));
      return;
    }
    String below;
    try {
      below = Responses.percentDecode(ex.path().substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      ex.sendText(400, "bad request: " + e.getMessage());
      return;
    }
    // READ on the SUMDB resource named by the first segment (the database), before any service call
    AccessPolicy.Decision d =
        access.decide(
            AccessPolicy.Subject.ANONYMOUS,
            AccessPolicy.Action.READ,
            AccessPolicy.ResourceKind.SUMDB,
            below.contains("/") ? below.substring(0, below.indexOf('/')) : below);
    if (!d.allowed()) {
      ex.sendText(d.status(), d.reason());
      return;
    }
    Optional<String[]> split = service.split(below);
    if (split.isEmpty()) {
      ex.sendText(404, "not found: no checksum database is proxied at " + ModulePath.quote(below));
      return;
    }
    String name = split.get()[0];
    String rest = split.get()[1];
    try {
      SumdbAnswer answer;
      ex.route("sumdb_" + (rest.contains("/") ? rest.substring(0, rest.indexOf('/')) : rest));
      if (rest.equals("supported")) {
        ex.sendEmpty(200, Map.of("Cache-Control", "public, max-age=" + service.ttl().toSeconds()));
        return;
      } else if (rest.equals("latest")) {
        answer = service.latest(name);
      } else if (rest.startsWith("lookup/")) {
        answer = service.lookup(name, rest.substring("lookup/".length()));
      } else if (rest.startsWith("tile/")) {
        answer = service.tile(name, rest);
      } else {
        ex.route("sumdb");
        ex.sendText(404, "not found: unknown checksum database path " + ModulePath.quote(rest));
        return;
      }
      write(ex, answer);
    } catch (SumdbException e) {
      int status =
          switch (e.kind()) {
            case BAD_REQUEST -> 400;
            case PRIVATE -> 403;
            case NOT_FOUND -> 404;
            case UPSTREAM_FAILED -> 502;
          };
      ex.sendText(status, e.getMessage());
    } catch (StorageException | IndexException e) {
      log.warn("storage failure: {}", e.toString());
      ex.sendText(503, "storage unavailable, retry later", Map.of("Retry-After", "5"));
    }
  }

  private void write(Exchange ex, SumdbAnswer answer) throws java.io.IOException {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Content-Type", answer.contentType());
    String shortTtl = "public, max-age=" + service.ttl().toSeconds();
    if (answer instanceof SumdbAnswer.Stored s) {
      h.put("Cache-Control", s.immutable() ? Responses.IMMUTABLE : shortTtl);
      ex.sendBlob(200, s.blob(), 0, s.length(), h);
    } else if (answer instanceof SumdbAnswer.Bytes b) {
      h.put("Cache-Control", shortTtl);
      if (b.stale()) {
        h.put("Warning", "110 berth \"Response is stale: the checksum database is unreachable\"");
      }
      ex.sendBytes(200, h.remove("Content-Type"), b.content(), h);
    }
  }
}
