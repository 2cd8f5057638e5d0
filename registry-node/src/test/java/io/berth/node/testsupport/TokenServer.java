package io.berth.node.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A tiny Docker token server (the "realm" of token auth) for tests: {@code GET /token?service=&
 * scope=} with the configured Basic credentials answers {@code {"token","access_token",
 * "expires_in","issued_at"}}; wrong or missing credentials answer 401. Tokens are opaque random
 * strings bound to the requested scope; {@link RegistryProxy} checks them.
 */
public final class TokenServer implements AutoCloseable {
  /** One token request as the server saw it. */
  public record Request(String service, String scope, boolean granted) {}

  private final HttpServer server;
  private final String user;
  private final String password;
  private final long expiresInSeconds;
  private final Map<String, String> scopes = new ConcurrentHashMap<>();
  private final List<Request> requests = new CopyOnWriteArrayList<>();

  public TokenServer(String user, String password, long expiresInSeconds) throws IOException {
    this.user = user;
    this.password = password;
    this.expiresInSeconds = expiresInSeconds;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/token", this::serve);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Whether {@code token} was issued for {@code scope}. */
  public boolean valid(String token, String scope) {
    return scope.equals(scopes.get(token));
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** Forgets every issued token (they become invalid, as if they expired). */
  public void revokeAll() {
    scopes.clear();
  }

  private void serve(HttpExchange ex) throws IOException {
    Map<String, String> q = query(ex.getRequestURI().getRawQuery());
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    String expected =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    boolean granted = expected.equals(auth);
    requests.add(new Request(q.get("service"), q.get("scope"), granted));
    try (ex) {
      byte[] body;
      int status;
      if (!granted) {
        status = 401;
        body =
            "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"bad credentials\"}]}"
                .getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"token\"");
      } else {
        status = 200;
        String token = UUID.randomUUID().toString();
        scopes.put(token, q.getOrDefault("scope", ""));
        body =
            ("{\"token\":\""
                    + token
                    + "\",\"access_token\":\""
                    + token
                    + "\",\"expires_in\":"
                    + expiresInSeconds
                    + ",\"issued_at\":\""
                    + java.time.Instant.now()
                    + "\"}")
                .getBytes(StandardCharsets.UTF_8);
      }
      ex.getResponseHeaders().set("Content-Type", "application/json");
      ex.sendResponseHeaders(status, body.length);
      ex.getResponseBody().write(body);
    }
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> out = new LinkedHashMap<>();
    if (raw == null) {
      return out;
    }
    for (String kv : raw.split("&")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        out.put(
            URLDecoder.decode(kv.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return out;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
