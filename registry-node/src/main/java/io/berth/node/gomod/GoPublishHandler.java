package io.berth.node.gomod;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import io.berth.node.access.AccessPolicy;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.http.Responses;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The publish endpoint: {@code PUT /_berth/api/go/publish/<escaped module>/@v/<escaped
 * version>.zip[?time=<RFC 3339>]} with a module zip as the body. Answers 201 with a JSON summary
 * (200 for an identical re-publish), 400/413 for invalid zips and 409 for different content.
 */
public final class GoPublishHandler implements HttpHandler {
  /** The path prefix this handler is routed at. */
  public static final String PREFIX = "/_berth/api/go/publish/";

  private static final ObjectMapper JSON = new ObjectMapper();
  private final GoModuleService service;
  private final AccessPolicy access;

  public GoPublishHandler(GoModuleService service, AccessPolicy access) {
    this.service = service;
    this.access = access;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("PUT")) {
      ex.sendText(405, "method not allowed: publish with PUT", Map.of("Allow", "PUT"));
      return;
    }
    String rest;
    try {
      rest = Responses.percentDecode(ex.path().substring(PREFIX.length()));
    } catch (IllegalArgumentException e) {
      ex.sendText(400, "bad request: " + e.getMessage());
      return;
    }
    int at = rest.lastIndexOf("/@v/");
    if (at <= 0 || !rest.endsWith(".zip")) {
      ex.sendText(
          400, "bad request: expected " + PREFIX + "<escaped module>/@v/<escaped version>.zip");
      return;
    }
    try {
      ModulePath path = ModulePath.fromEscaped(rest.substring(0, at));
      String version =
          ModuleVersion.unescapeVersion(rest.substring(at + 4, rest.length() - ".zip".length()));
      AccessPolicy.Decision d =
          access.decide(
              AccessPolicy.Subject.ANONYMOUS,
              AccessPolicy.Action.WRITE,
              AccessPolicy.ResourceKind.GO_MODULE,
              path.value());
      if (!d.allowed()) {
        ex.sendText(d.status(), d.reason());
        return;
      }
      Instant time = null;
      String t = ex.queryParam("time");
      if (t != null) {
        try {
          time = Instant.parse(t);
        } catch (DateTimeParseException e) {
          ex.sendText(400, "bad request: time must be RFC 3339, e.g. 2024-01-02T15:04:05Z");
          return;
        }
      }
      PublishResult r = service.publish(path, version, ex.body(), ex.contentLength(), time);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("module", r.module());
      out.put("version", r.version());
      out.put("h1", r.zipH1());
      out.put("goModH1", r.goModH1());
      out.put("zipDigest", r.zipDigest());
      out.put("created", r.created());
      ex.sendBytes(
          r.created() ? 201 : 200, "application/json", JSON.writeValueAsBytes(out), Map.of());
    } catch (Exception e) {
      if (!GoProxyErrors.send(ex, e)) {
        throw e;
      }
    }
  }
}
