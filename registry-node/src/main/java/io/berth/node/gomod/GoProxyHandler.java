package io.berth.node.gomod;

import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import io.berth.node.access.AccessPolicy;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.http.Responses;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GOPROXY requests: {@code /<module>/@v/list}, {@code /<module>/@v/<version>.info|.mod|.zip} and
 * {@code /<module>/@latest}, case-encoded. Parses and validates, asks the access policy, calls
 * {@link GoModuleService}, writes the answer.
 */
public final class GoProxyHandler implements HttpHandler {
  private final GoModuleService service;
  private final AccessPolicy access;
  private final long mutableMaxAge;

  public GoProxyHandler(GoModuleService service, AccessPolicy access, long mutableMaxAgeSeconds) {
    this.service = service;
    this.access = access;
    this.mutableMaxAge = mutableMaxAgeSeconds;
  }

  private enum Kind {
    LIST,
    LATEST,
    INFO,
    MOD,
    ZIP
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) {
      ex.sendText(
          405,
          "method not allowed: the module proxy protocol is read-only (GET)",
          Map.of("Allow", "GET, HEAD"));
      return;
    }
    String p;
    try {
      p = Responses.percentDecode(ex.path().substring(1));
    } catch (IllegalArgumentException e) {
      ex.sendText(400, "bad request: " + e.getMessage());
      return;
    }
    Kind kind;
    String escapedModule;
    String escapedVersion = null;
    if (p.endsWith("/@latest")) {
      kind = Kind.LATEST;
      escapedModule = p.substring(0, p.length() - "/@latest".length());
    } else {
      int at = p.lastIndexOf("/@v/");
      if (at <= 0) {
        ex.sendText(404, "not found: not a module proxy path");
        return;
      }
      escapedModule = p.substring(0, at);
      String file = p.substring(at + 4);
      if (file.equals("list")) {
        kind = Kind.LIST;
      } else if (file.endsWith(".info")) {
        kind = Kind.INFO;
        escapedVersion = file.substring(0, file.length() - 5);
      } else if (file.endsWith(".mod")) {
        kind = Kind.MOD;
        escapedVersion = file.substring(0, file.length() - 4);
      } else if (file.endsWith(".zip")) {
        kind = Kind.ZIP;
        escapedVersion = file.substring(0, file.length() - 4);
      } else {
        ex.sendText(404, "not found: unknown module proxy file " + Responses.quote(file));
        return;
      }
    }
    try {
      ModulePath path = ModulePath.fromEscaped(escapedModule);
      String version =
          escapedVersion == null ? null : ModuleVersion.unescapeVersion(escapedVersion);
      AccessPolicy.Decision d =
          access.decide(
              AccessPolicy.Subject.ANONYMOUS,
              AccessPolicy.Action.READ,
              AccessPolicy.ResourceKind.GO_MODULE,
              path.value());
      if (!d.allowed()) {
        ex.sendText(d.status(), d.reason());
        return;
      }
      GoAnswer answer =
          switch (kind) {
            case LIST -> service.list(path);
            case LATEST -> service.latest(path);
            case INFO -> service.info(path, version);
            case MOD -> service.mod(path, version);
            case ZIP ->
                service.zip(
                    path, version, length -> ex.startStreaming(200, headers(kind, true), length));
          };
      write(ex, kind, answer);
    } catch (Exception e) {
      if (!GoProxyErrors.send(ex, e)) {
        throw e;
      }
    }
  }

  private void write(Exchange ex, Kind kind, GoAnswer answer) throws java.io.IOException {
    if (answer instanceof GoAnswer.Stored s) {
      java.util.Optional<java.net.URI> redirect =
          kind == Kind.ZIP && !ex.isHead() ? s.blob().redirectUrl() : java.util.Optional.empty();
      if (redirect.isPresent()) {
        // a presigned object-store URL: signed in its query, carries no client credentials
        ex.sendEmpty(
            307, Map.of("Location", redirect.get().toString(), "Cache-Control", "no-store"));
        return;
      }
      ex.sendBlob(200, s.blob(), 0, s.blob().size(), headers(kind, s.immutable()));
    } else if (answer instanceof GoAnswer.Bytes b) {
      Map<String, String> h = headers(kind, false);
      if (b.stale()) {
        h.put("Warning", "110 berth \"Response is stale: every upstream failed\"");
      }
      ex.sendBytes(200, h.remove("Content-Type"), b.content(), h);
    }
  }

  private Map<String, String> headers(Kind kind, boolean immutable) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(
        "Content-Type",
        switch (kind) {
          case INFO, LATEST -> "application/json";
          case ZIP -> "application/zip";
          case MOD, LIST -> "text/plain; charset=utf-8";
        });
    boolean forever = immutable && (kind == Kind.MOD || kind == Kind.ZIP);
    h.put("Cache-Control", forever ? Responses.IMMUTABLE : "public, max-age=" + mutableMaxAge);
    return h;
  }
}
