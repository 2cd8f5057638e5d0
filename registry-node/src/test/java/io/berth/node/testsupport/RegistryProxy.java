package io.berth.node.testsupport;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A small HTTP proxy in front of a real registry (docker-registry) that records every request
 * (method and path), and on demand demands credentials (Basic, or Docker token auth with a {@link
 * TokenServer}), slows blob bodies down, or tampers with the bytes of chosen blobs (same length,
 * one byte flipped) — the upstream of the pull-through tests, seen by Berth as the registry.
 */
public final class RegistryProxy implements AutoCloseable {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  /** One request as the proxy saw it. */
  public record Request(String method, String path, String authorization) {}

  private final HttpServer server;
  private final String target;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final Set<String> tampered = ConcurrentHashMap.newKeySet();
  private volatile long bytesPerSecond;
  private volatile String basicUser;
  private volatile String basicPassword;
  private volatile TokenServer tokens;
  private final AtomicBoolean failing = new AtomicBoolean();
  private volatile boolean redirectBlobs;

  /** A proxy on a free loopback port forwarding to {@code targetUrl}. */
  public RegistryProxy(String targetUrl) throws IOException {
    this.target = targetUrl;
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 128);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::serve);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Demands Basic credentials on every request (null: none). */
  public RegistryProxy requireBasic(String user, String password) {
    this.basicUser = user;
    this.basicPassword = password;
    return this;
  }

  /** Demands a bearer token issued by {@code server} on every request (null: none). */
  public RegistryProxy requireToken(TokenServer server) {
    this.tokens = server;
    return this;
  }

  /** Serves the blob {@code digest} with one byte flipped. */
  public void tamper(String digest) {
    tampered.add(digest);
  }

  /** Stops tampering with the blob {@code digest}. */
  public void untamper(String digest) {
    tampered.remove(digest);
  }

  /** Throttles response bodies to about {@code bps} bytes per second (0: no throttle). */
  public void throttle(long bps) {
    this.bytesPerSecond = bps;
  }

  /**
   * Redirects blob GETs (307) to {@code /_storage/<path>?sig=...} on this proxy, like a registry
   * handing out presigned storage URLs; storage requests need no credentials.
   */
  public void redirectBlobs(boolean on) {
    this.redirectBlobs = on;
  }

  /** Answers every request 503 (as an upstream having an outage) while {@code on}. */
  public void failing(boolean on) {
    failing.set(on);
  }

  public List<Request> requests() {
    return List.copyOf(requests);
  }

  /** How many requests with {@code method} had a path ending in {@code suffix}. */
  public long count(String method, String suffix) {
    return requests.stream()
        .filter(r -> r.method().equals(method) && r.path().endsWith(suffix))
        .count();
  }

  /** How many requests had a path containing {@code part}. */
  public long countContaining(String part) {
    return requests.stream().filter(r -> r.path().contains(part)).count();
  }

  public void clear() {
    requests.clear();
  }

  private void serve(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getRawPath();
    String query = ex.getRequestURI().getRawQuery();
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    requests.add(new Request(ex.getRequestMethod(), path, auth));
    try (ex) {
      if (failing.get()) {
        send(ex, 503, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"outage\"}]}");
        return;
      }
      boolean storage = path.startsWith("/_storage/");
      if (storage) {
        path = path.substring("/_storage".length());
        query = null;
      } else if (!authorized(ex, path, auth)) {
        return;
      }
      if (!storage
          && redirectBlobs
          && ex.getRequestMethod().equals("GET")
          && path.contains("/blobs/sha256:")) {
        ex.getResponseHeaders().set("Location", url() + "/_storage" + path + "?sig=presigned");
        ex.sendResponseHeaders(307, -1);
        return;
      }
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(target + path + (query == null ? "" : "?" + query)))
              .timeout(Duration.ofSeconds(60))
              .method(ex.getRequestMethod(), HttpRequest.BodyPublishers.noBody());
      String accept = ex.getRequestHeaders().getFirst("Accept");
      if (accept != null) {
        b.header("Accept", accept);
      }
      HttpResponse<InputStream> r;
      try {
        r = CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (IOException e) {
        send(ex, 502, "{\"errors\":[{\"code\":\"UNAVAILABLE\",\"message\":\"target down\"}]}");
        return;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      for (String h : List.of("Content-Type", "Docker-Content-Digest", "Location", "ETag")) {
        r.headers().firstValue(h).ifPresent(v -> ex.getResponseHeaders().set(h, v));
      }
      ex.getResponseHeaders().set("Docker-Distribution-API-Version", "registry/2.0");
      long length = r.headers().firstValueAsLong("Content-Length").orElse(-1);
      boolean head = ex.getRequestMethod().equals("HEAD");
      if (head) {
        if (length >= 0) {
          ex.getResponseHeaders().set("Content-Length", Long.toString(length));
        }
        ex.sendResponseHeaders(r.statusCode(), -1);
        r.body().close();
        return;
      }
      boolean flip = r.statusCode() == 200 && tampered.stream().anyMatch(path::endsWith);
      ex.sendResponseHeaders(r.statusCode(), length < 0 ? 0 : length == 0 ? -1 : length);
      try (InputStream in = r.body();
          OutputStream out = ex.getResponseBody()) {
        byte[] buf = new byte[16 * 1024];
        boolean first = true;
        int n;
        while ((n = in.read(buf)) > 0) {
          if (flip && first) {
            buf[0] ^= 0x5a;
            first = false;
          }
          out.write(buf, 0, n);
          long bps = bytesPerSecond;
          if (bps > 0) {
            try {
              Thread.sleep(Math.max(1, n * 1000L / bps));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
              return;
            }
          }
        }
      }
    }
  }

  private boolean authorized(HttpExchange ex, String path, String auth) throws IOException {
    String user = basicUser;
    if (user != null) {
      String expected =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + basicPassword).getBytes(StandardCharsets.UTF_8));
      if (!expected.equals(auth)) {
        ex.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"proxy\"");
        send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"basic\"}]}");
        return false;
      }
      return true;
    }
    TokenServer t = tokens;
    if (t != null) {
      Optional<String> repo = repositoryOf(path);
      String scope = "repository:" + repo.orElse("") + ":pull";
      if (auth == null || !auth.startsWith("Bearer ") || !t.valid(auth.substring(7), scope)) {
        ex.getResponseHeaders()
            .set(
                "WWW-Authenticate",
                "Bearer realm=\""
                    + t.url()
                    + "/token\",service=\"berth-test\",scope=\""
                    + scope
                    + "\"");
        send(ex, 401, "{\"errors\":[{\"code\":\"UNAUTHORIZED\",\"message\":\"token\"}]}");
        return false;
      }
    }
    return true;
  }

  /** The repository of a {@code /v2/<name>/(manifests|blobs|tags)/...} path. */
  static Optional<String> repositoryOf(String path) {
    if (!path.startsWith("/v2/")) {
      return Optional.empty();
    }
    String rest = path.substring(4);
    for (String marker : List.of("/manifests/", "/blobs/", "/tags/")) {
      int i = rest.lastIndexOf(marker);
      if (i > 0) {
        return Optional.of(rest.substring(0, i));
      }
    }
    return Optional.empty();
  }

  private static void send(HttpExchange ex, int status, String json) throws IOException {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", "application/json");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    ex.sendResponseHeaders(status, b.length);
    ex.getResponseBody().write(b);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
