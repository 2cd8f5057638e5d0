package io.berth.node.http;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Dispatches by path: exact paths first, then the longest matching prefix, then the fallback.
 * Before routing it rejects path-normalisation tricks ({@code //}, {@code ;}, backslash, NUL, dot
 * segments and their percent-encoded forms) with 400, so no handler ever sees them; the refusal is
 * written by the handler the path would be routed to ({@link HttpHandler#refuse}), so {@code /v2/}
 * paths get OCI error JSON and GOPROXY paths short text.
 */
public final class Router implements HttpHandler {
  private record Route(String path, boolean prefix, String name, HttpHandler handler) {}

  private final List<Route> routes = new ArrayList<>();
  private HttpHandler fallback = ex -> ex.sendText(404, "not found");
  private String fallbackName = "unmatched";

  /** Routes requests whose path equals {@code path}. */
  public Router exact(String path, String name, HttpHandler handler) {
    routes.add(new Route(path, false, name, handler));
    return this;
  }

  /** Routes requests whose path starts with {@code prefix}. */
  public Router prefix(String prefix, String name, HttpHandler handler) {
    routes.add(new Route(prefix, true, name, handler));
    routes.sort(
        (a, b) ->
            Boolean.compare(a.prefix, b.prefix) != 0
                ? Boolean.compare(a.prefix, b.prefix)
                : b.path.length() - a.path.length());
    return this;
  }

  /** Handles everything no route matched (the GOPROXY tree). */
  public Router fallback(String name, HttpHandler handler) {
    this.fallback = handler;
    this.fallbackName = name;
    return this;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    String problem = unsafePath(ex.path());
    if (problem != null) {
      ex.route("rejected");
      handlerFor(ex.path()).refuse(ex, Refusal.BAD_PATH, problem);
      return;
    }
    Route r = routeFor(ex.path());
    ex.route(r == null ? fallbackName : r.name);
    (r == null ? fallback : r.handler).handle(ex);
  }

  /** Offers the request to the handler it is routed to; unsafe paths go to a worker. */
  @Override
  public boolean handleInline(Exchange ex) {
    if (unsafePath(ex.path()) != null) {
      return false;
    }
    Route r = routeFor(ex.path());
    ex.route(r == null ? fallbackName : r.name);
    return (r == null ? fallback : r.handler).handleInline(ex);
  }

  /** Lets the handler the path is routed to answer in its own protocol's format. */
  @Override
  public void refuse(Exchange ex, Refusal refusal, String reason) {
    handlerFor(ex.path()).refuse(ex, refusal, reason);
  }

  private HttpHandler handlerFor(String path) {
    Route r = routeFor(path);
    return r == null ? fallback : r.handler;
  }

  /** The route {@code path} goes to (the first that matches), or null for the fallback. */
  private Route routeFor(String path) {
    for (Route r : routes) {
      if (r.prefix ? path.startsWith(r.path) : path.equals(r.path)) {
        return r;
      }
    }
    return null;
  }

  /** Returns why a raw request path is unsafe, or null if it is acceptable. */
  static String unsafePath(String raw) {
    if (raw.isEmpty() || raw.charAt(0) != '/') {
      return "must start with /";
    }
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == 0 || c < 0x20 || c == 0x7f) {
        return "control character";
      }
      if (c == '\\') {
        return "backslash";
      }
      if (c == ';') {
        return "';' is not allowed";
      }
      if (c >= 0x80) {
        return "non-ASCII character";
      }
    }
    if (raw.contains("//")) {
      return "empty path segment '//'";
    }
    String lower = raw.toLowerCase(Locale.ROOT);
    for (String enc : new String[] {"%2f", "%2e", "%5c", "%00", "%3b", "%25"}) {
      if (lower.contains(enc)) {
        return "encoded '" + enc + "' is not allowed";
      }
    }
    for (String seg : raw.split("/", -1)) {
      if (seg.equals(".") || seg.equals("..")) {
        return "dot segment";
      }
    }
    return null;
  }
}
