package io.berth.coordinator.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageOrBuilder;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.berth.coordinator.routing.TableIndex;
import io.berth.proto.coordinator.v1.ClientReport;
import io.berth.proto.coordinator.v1.ReportAck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP JSON resolve API (JDK HTTP server; JSON by protobuf's JSON mapping):
 *
 * <ul>
 *   <li>{@code GET /v1/resolve?client=<ip>&subnet=<cidr>&limit=<n>}: a {@code ResolveResponse}
 *   <li>{@code POST /v1/reports} with a {@code ClientReport}: {@code {"accepted": n}} (202)
 *   <li>{@code GET /v1/table}: the current routing table; {@code GET /v1/status}; {@code GET
 *       /healthz}
 * </ul>
 *
 * Errors are {@code {"error":{"code":..., "message":...}}}: 400 for bad arguments or JSON, 404 for
 * unknown paths, 405 (with {@code Allow}) for other methods, 413 for bodies over 64 KiB, 503 before
 * the first table. Handlers parse, call {@link ResolveService} and write; nothing is a 500 for bad
 * input.
 */
public final class HttpApi implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(HttpApi.class);
  static final int MAX_BODY = 64 * 1024;

  /** How much of an oversized body is read and dropped so that its 413 reaches the client. */
  static final long DRAIN_LIMIT = 4L * 1024 * 1024;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFormat.Printer PRINTER =
      JsonFormat.printer().omittingInsignificantWhitespace();
  private static final JsonFormat.Parser PARSER = JsonFormat.parser();

  private final HttpServer server;
  private final ExecutorService pool;
  private final ResolveService service;
  private final Supplier<TableIndex> table;
  private final Supplier<Map<String, Object>> status;

  public HttpApi(
      String host,
      int port,
      int threads,
      ResolveService service,
      Supplier<TableIndex> table,
      Supplier<Map<String, Object>> status)
      throws IOException {
    this.service = service;
    this.table = table;
    this.status = status;
    this.server = HttpServer.create(new InetSocketAddress(host, port), 128);
    this.pool =
        Executors.newFixedThreadPool(
            Math.max(1, threads),
            r -> {
              Thread t = new Thread(r, "berth-coord-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
  }

  public HttpApi start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  private void handle(HttpExchange ex) {
    try (ex) {
      String path = ex.getRequestURI().getRawPath();
      String method = ex.getRequestMethod();
      switch (path) {
        case "/healthz" -> {
          if (allow(ex, method, "GET")) {
            send(ex, 200, "text/plain; charset=utf-8", "ok\n".getBytes(StandardCharsets.UTF_8));
          }
        }
        case "/v1/resolve" -> {
          if (allow(ex, method, "GET")) {
            resolve(ex);
          }
        }
        case "/v1/reports" -> {
          if (allow(ex, method, "POST")) {
            report(ex);
          }
        }
        case "/v1/table" -> {
          if (allow(ex, method, "GET")) {
            TableIndex t = table.get();
            if (t == null) {
              error(ex, 503, "UNAVAILABLE", "no routing table yet");
            } else {
              json(ex, 200, t.table());
            }
          }
        }
        case "/v1/status" -> {
          if (allow(ex, method, "GET")) {
            send(ex, 200, "application/json", JSON.writeValueAsBytes(status.get()));
          }
        }
        default -> error(ex, 404, "NOT_FOUND", "no such endpoint: " + path);
      }
    } catch (IOException | RuntimeException e) {
      log.debug("http exchange failed: {}", e.toString());
    }
  }

  private boolean allow(HttpExchange ex, String method, String allowed) throws IOException {
    if (method.equals(allowed) || (allowed.equals("GET") && method.equals("HEAD"))) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", allowed.equals("GET") ? "GET, HEAD" : allowed);
    error(ex, 405, "METHOD_NOT_ALLOWED", method + " is not allowed here; use " + allowed);
    return false;
  }

  private void resolve(HttpExchange ex) throws IOException {
    Map<String, String> q;
    try {
      q = query(ex.getRequestURI().getRawQuery());
    } catch (IllegalArgumentException e) {
      error(ex, 400, "INVALID_ARGUMENT", e.getMessage());
      return;
    }
    int limit = 0;
    if (q.containsKey("limit")) {
      try {
        limit = Integer.parseInt(q.get("limit"));
      } catch (NumberFormatException e) {
        error(ex, 400, "INVALID_ARGUMENT", "limit must be a whole number");
        return;
      }
    }
    try {
      json(
          ex,
          200,
          service.resolve(
              q.get("client"), q.get("subnet"), limit, ex.getRemoteAddress().getAddress()));
    } catch (ResolveException e) {
      mapped(ex, e);
    }
  }

  private void report(HttpExchange ex) throws IOException {
    byte[] body = readBounded(ex.getRequestBody());
    if (body == null) {
      error(ex, 413, "TOO_LARGE", "report bodies are limited to " + MAX_BODY + " bytes");
      return;
    }
    ClientReport.Builder b = ClientReport.newBuilder();
    try {
      PARSER.merge(new String(body, StandardCharsets.UTF_8), b);
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      error(ex, 400, "INVALID_ARGUMENT", "not a ClientReport JSON object: " + e.getMessage());
      return;
    }
    try {
      int n = service.report(b.build(), ex.getRemoteAddress().getAddress());
      json(ex, 202, ReportAck.newBuilder().setAccepted(n).build());
    } catch (ResolveException e) {
      mapped(ex, e);
    }
  }

  /**
   * Reads a body of at most {@link #MAX_BODY} bytes, or returns null when it is larger. A body that
   * is too large is still read (and thrown away) up to {@link #DRAIN_LIMIT}: answering 413 while
   * the client is still sending makes the JDK server close a socket with unread bytes, and the
   * kernel's reset then destroys the 413 before the client reads it.
   */
  private static byte[] readBounded(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
      if (out.size() > MAX_BODY) {
        long drained = out.size();
        while (drained < DRAIN_LIMIT && (n = in.read(buf)) >= 0) {
          drained += n;
        }
        return null;
      }
    }
    return out.toByteArray();
  }

  static Map<String, String> query(String raw) {
    Map<String, String> out = new HashMap<>();
    if (raw == null || raw.isEmpty()) {
      return out;
    }
    for (String part : raw.split("&")) {
      if (part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
      if (!k.equals("client") && !k.equals("subnet") && !k.equals("limit")) {
        throw new IllegalArgumentException(
            "unknown parameter '" + k + "' (known: client, subnet, limit)");
      }
      if (out.put(k, v) != null) {
        throw new IllegalArgumentException("parameter '" + k + "' given twice");
      }
    }
    return out;
  }

  private static void mapped(HttpExchange ex, ResolveException e) throws IOException {
    switch (e.reason()) {
      case INVALID_ARGUMENT -> error(ex, 400, "INVALID_ARGUMENT", e.getMessage());
      case UNAVAILABLE -> error(ex, 503, "UNAVAILABLE", e.getMessage());
    }
  }

  private static void json(HttpExchange ex, int status, MessageOrBuilder m) throws IOException {
    send(ex, status, "application/json", PRINTER.print(m).getBytes(StandardCharsets.UTF_8));
  }

  private static void error(HttpExchange ex, int status, String code, String message)
      throws IOException {
    Map<String, Object> err = new LinkedHashMap<>();
    err.put("code", code);
    err.put("message", message);
    send(ex, status, "application/json", JSON.writeValueAsBytes(Map.of("error", err)));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    boolean head = ex.getRequestMethod().equals("HEAD");
    ex.sendResponseHeaders(status, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    pool.shutdownNow();
  }
}
