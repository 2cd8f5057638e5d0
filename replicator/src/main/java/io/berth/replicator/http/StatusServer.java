package io.berth.replicator.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The replicator's small HTTP listener: {@code GET /status} (JSON: every link's ownership, lag,
 * copies and failures; what {@code berth links} shows), {@code /metrics} (Prometheus) and {@code
 * /healthz}.
 */
public final class StatusServer implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final HttpServer server;
  private final ExecutorService executor;

  public StatusServer(
      String host, int port, PrometheusMeterRegistry metrics, Supplier<Map<String, Object>> status)
      throws IOException {
    server = HttpServer.create(new InetSocketAddress(host, port), 16);
    executor =
        Executors.newFixedThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "berth-replicator-http");
              t.setDaemon(true);
              return t;
            });
    server.setExecutor(executor);
    server.createContext(
        "/status", ex -> send(ex, 200, "application/json", JSON.writeValueAsBytes(status.get())));
    server.createContext(
        "/metrics",
        ex ->
            send(
                ex,
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                metrics.scrape().getBytes(StandardCharsets.UTF_8)));
    server.createContext(
        "/healthz", ex -> send(ex, 200, "text/plain", "ok\n".getBytes(StandardCharsets.UTF_8)));
    server.createContext(
        "/",
        ex ->
            send(
                ex,
                404,
                "text/plain",
                "not found: try /status, /metrics or /healthz\n".getBytes(StandardCharsets.UTF_8)));
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("GET")) {
        byte[] b = "method not allowed: use GET\n".getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Allow", "GET");
        ex.sendResponseHeaders(405, b.length);
        ex.getResponseBody().write(b);
        return;
      }
      ex.getResponseHeaders().set("Content-Type", type);
      ex.sendResponseHeaders(status, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  public StatusServer start() {
    server.start();
    return this;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
