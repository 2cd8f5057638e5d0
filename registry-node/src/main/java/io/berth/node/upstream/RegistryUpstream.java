package io.berth.node.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.storage.BoundedInputStream;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of one upstream OCI registry (distribution API v2) for the pull-through cache: manifest
 * GET/HEAD and blob GET/HEAD of a repository, with the registry's authentication.
 *
 * <ul>
 *   <li>Docker token auth: a {@code 401} with {@code WWW-Authenticate: Bearer
 *       realm=...,service=..., scope=...} makes the client GET the realm with the challenge's
 *       service and scope (with the configured credentials as basic auth, or anonymously without
 *       them) and retry with the token ({@code token} or {@code access_token}). Tokens are cached
 *       per repository until {@code expires_in} (default 60 s) runs out, minus a margin.
 *   <li>Basic auth: a {@code 401} with a {@code Basic} challenge is answered with the configured
 *       credentials, which are then sent up front on later requests.
 *   <li>Redirects (blob GETs are often redirected to a storage URL) are followed by hand, at most
 *       five, and never carry {@code Authorization} (a presigned URL must not get the token).
 * </ul>
 *
 * Errors: {@link UpstreamNotFoundException} for 404, {@link UpstreamAuthException} when access is
 * refused after authenticating, {@link UpstreamFailureException} for anything else (unreachable,
 * other statuses, oversized manifests). Every call is timed as {@code berth_upstream_request}
 * {@code {area="oci", upstream, outcome}}; failures count in {@code berth_upstream_errors}.
 */
public final class RegistryUpstream {
  private static final Logger log = LoggerFactory.getLogger(RegistryUpstream.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_REDIRECTS = 5;
  private static final int MAX_TOKEN_RESPONSE = 1 << 20;

  /** The manifest media types the cache accepts (OCI manifest/index, Docker schema2/list). */
  public static final String MANIFEST_ACCEPT =
      String.join(
          ", ",
          "application/vnd.oci.image.manifest.v1+json",
          "application/vnd.oci.image.index.v1+json",
          "application/vnd.docker.distribution.manifest.v2+json",
          "application/vnd.docker.distribution.manifest.list.v2+json");

  /** A fetched manifest: its bytes, Content-Type and {@code Docker-Content-Digest} (or null). */
  public record Manifest(byte[] bytes, String contentType, String digestHeader) {}

  /** A blob body being fetched; the caller closes it. {@code length} is -1 if unknown. */
  public record Blob(long length, InputStream body) implements AutoCloseable {
    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  private record Token(String value, long expiresAtMillis) {}

  private record Answer(HttpResponse<InputStream> response, InputStream body) {
    int status() {
      return response.statusCode();
    }

    Optional<String> header(String name) {
      return response.headers().firstValue(name);
    }

    /** The Content-Length, or -1 when absent or malformed. */
    long length() {
      try {
        long n = header("Content-Length").map(v -> Long.parseLong(v.trim())).orElse(-1L);
        return n < 0 ? -1 : n;
      } catch (NumberFormatException e) {
        return -1;
      }
    }

    void discard() {
      try (InputStream in = body) {
        in.skipNBytes(Math.min(4096, Math.max(0, in.available())));
      } catch (IOException e) {
        // the body is not needed
      }
    }
  }

  private final String baseUrl;
  private final String username;
  private final String password;
  private final Duration timeout;
  private final Clock clock;
  private final MeterRegistry metrics;
  private final HttpClient client;
  private final Map<String, Token> tokens = new ConcurrentHashMap<>();
  private volatile boolean basicUpFront;

  /**
   * @param baseUrl {@code http(s)://host[:port]} of the registry (no {@code /v2})
   * @param username empty for anonymous access
   */
  public RegistryUpstream(
      String baseUrl,
      String username,
      String password,
      Duration timeout,
      Clock clock,
      MeterRegistry metrics) {
    String b = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    String lower = b.toLowerCase(java.util.Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      throw new IllegalArgumentException(
          "upstream registry '" + baseUrl + "' must be an http:// or https:// URL");
    }
    if (URI.create(b).getUserInfo() != null) {
      throw new IllegalArgumentException(
          "upstream registry URL must not hold credentials: set username and password instead");
    }
    this.baseUrl = b;
    this.username = username == null ? "" : username;
    this.password = password == null ? "" : password;
    this.timeout = timeout;
    this.clock = clock;
    this.metrics = metrics;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(Math.max(1, Math.min(10, timeout.toSeconds()))))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  /** The registry's base URL. */
  public String url() {
    return baseUrl;
  }

  /** Whether credentials are configured. */
  public boolean hasCredentials() {
    return !username.isEmpty();
  }

  /**
   * GETs manifest {@code reference} (tag or digest) of {@code repository}, at most {@code maxBytes}
   * bytes.
   */
  public Manifest manifest(String repository, String reference, long maxBytes) {
    return timed(
        () -> {
          Answer a = send("GET", repository, "/manifests/" + reference, MANIFEST_ACCEPT);
          ok(a, repository, "manifest " + reference);
          long declared = a.length();
          if (declared > maxBytes) {
            a.discard();
            throw new UpstreamFailureException(
                baseUrl + " serves a manifest larger than the limit of " + maxBytes + " bytes");
          }
          byte[] bytes;
          try (InputStream in = a.body()) {
            bytes = new BoundedInputStream(in, maxBytes + 1).readAllBytes();
          }
          if (bytes.length > maxBytes) {
            throw new UpstreamFailureException(
                baseUrl + " serves a manifest larger than the limit of " + maxBytes + " bytes");
          }
          return new Manifest(
              bytes,
              a.header("Content-Type").orElse(null),
              a.header("Docker-Content-Digest").orElse(null));
        });
  }

  /**
   * HEADs manifest {@code reference} of {@code repository}: its {@code Docker-Content-Digest}, or
   * empty when the registry does not send one.
   */
  public Optional<String> manifestDigest(String repository, String reference) {
    return timed(
        () -> {
          Answer a = send("HEAD", repository, "/manifests/" + reference, MANIFEST_ACCEPT);
          ok(a, repository, "manifest " + reference);
          a.discard();
          return a.header("Docker-Content-Digest");
        });
  }

  /** GETs blob {@code digest} of {@code repository} as a stream (redirects followed). */
  public Blob blob(String repository, String digest) {
    return timed(
        () -> {
          Answer a = send("GET", repository, "/blobs/" + digest, null);
          ok(a, repository, "blob " + digest);
          return new Blob(a.length(), a.body());
        });
  }

  /** HEADs blob {@code digest} of {@code repository}: true if present, false on 404. */
  public boolean hasBlob(String repository, String digest) {
    try {
      return timed(
          () -> {
            Answer a = send("HEAD", repository, "/blobs/" + digest, null);
            ok(a, repository, "blob " + digest);
            a.discard();
            return true;
          });
    } catch (UpstreamNotFoundException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- requests and auth

  @FunctionalInterface
  private interface Call<T> {
    T run() throws IOException;
  }

  private <T> T timed(Call<T> call) {
    long start = System.nanoTime();
    String outcome = "error";
    try {
      T v = call.run();
      outcome = "ok";
      return v;
    } catch (UpstreamNotFoundException e) {
      outcome = "not_found";
      throw e;
    } catch (UpstreamAuthException e) {
      outcome = "denied";
      throw e;
    } catch (UpstreamFailureException e) {
      throw e;
    } catch (IOException e) {
      throw new UpstreamFailureException(
          baseUrl
              + " unreachable: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage()));
    } finally {
      Timer.builder("berth_upstream_request")
          .tag("area", "oci")
          .tag("upstream", baseUrl)
          .tag("outcome", outcome)
          .register(metrics)
          .record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
      if (!outcome.equals("ok") && !outcome.equals("not_found")) {
        Counter.builder("berth_upstream_errors")
            .tag("area", "oci")
            .tag("upstream", baseUrl)
            .register(metrics)
            .increment();
      }
    }
  }

  private void ok(Answer a, String repository, String what) {
    int s = a.status();
    if (s == 200) {
      return;
    }
    a.discard();
    if (s == 404) {
      throw new UpstreamNotFoundException(baseUrl + "/v2/" + repository + " " + what);
    }
    if (s == 401 || s == 403) {
      throw new UpstreamAuthException(
          baseUrl
              + " denied access to "
              + repository
              + " ("
              + s
              + (hasCredentials() ? " with the configured credentials" : " without credentials")
              + "): the repository does not exist there or the credentials may not pull it");
    }
    throw new UpstreamFailureException(baseUrl + " answered " + s + " for " + what);
  }

  /**
   * Sends a request with the best credentials known for {@code repository}, answering one
   * authentication challenge. A 401 left after that is returned to the caller.
   */
  private Answer send(String method, String repository, String path, String accept)
      throws IOException {
    URI uri = URI.create(baseUrl + "/v2/" + repository + path);
    Token token = token(repository);
    Answer a = exchange(method, uri, accept, authorization(token));
    if (a.status() != 401) {
      return a;
    }
    Optional<AuthChallenge> challenge =
        AuthChallenge.choose(a.response().headers().allValues("WWW-Authenticate"));
    a.discard();
    if (challenge.isEmpty()) {
      return a;
    }
    AuthChallenge c = challenge.get();
    if (c.is("Bearer")) {
      tokens.remove(repository);
      Token fresh = fetchToken(c, repository);
      tokens.put(repository, fresh);
      return exchange(method, uri, accept, "Bearer " + fresh.value());
    }
    if (!hasCredentials()) {
      throw new UpstreamAuthException(
          baseUrl
              + " requires credentials (Basic auth): set username and password of this upstream");
    }
    Answer retry = basicUpFront ? a : exchange(method, uri, accept, basic());
    if (retry.status() == 401) {
      retry.discard();
      throw new UpstreamAuthException(baseUrl + " refused the configured credentials (Basic auth)");
    }
    basicUpFront = true;
    return retry;
  }

  private Token token(String repository) {
    Token t = tokens.get(repository);
    if (t != null && t.expiresAtMillis() > clock.millis()) {
      return t;
    }
    return null;
  }

  private String authorization(Token token) {
    if (token != null) {
      return "Bearer " + token.value();
    }
    return basicUpFront && hasCredentials() ? basic() : null;
  }

  private String basic() {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  private Token fetchToken(AuthChallenge c, String repository) throws IOException {
    String realm = c.param("realm");
    if (realm == null || realm.isBlank()) {
      throw new UpstreamFailureException(baseUrl + " sent a Bearer challenge without a realm");
    }
    String lower = realm.toLowerCase(java.util.Locale.ROOT);
    if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
      throw new UpstreamFailureException(
          baseUrl + " names a token realm that is not an http(s) URL: " + realm);
    }
    String scope = c.param("scope");
    if (scope == null || scope.isBlank()) {
      scope = "repository:" + repository + ":pull";
    }
    StringBuilder q = new StringBuilder(realm);
    q.append(realm.contains("?") ? '&' : '?');
    String service = c.param("service");
    if (service != null && !service.isEmpty()) {
      q.append("service=").append(encode(service)).append('&');
    }
    q.append("scope=").append(encode(scope));
    URI uri = URI.create(q.toString());
    long now = clock.millis();
    Answer a = exchange("GET", uri, "application/json", hasCredentials() ? basic() : null);
    int s = a.status();
    if (s == 401 || s == 403) {
      a.discard();
      throw new UpstreamAuthException(
          "the token server "
              + uri.getScheme()
              + "://"
              + uri.getAuthority()
              + uri.getPath()
              + " of "
              + baseUrl
              + " refused "
              + (hasCredentials() ? "the configured credentials" : "anonymous access")
              + " ("
              + s
              + ")");
    }
    if (s != 200) {
      a.discard();
      throw new UpstreamFailureException("the token server of " + baseUrl + " answered " + s);
    }
    JsonNode body;
    try (InputStream in = a.body()) {
      body = JSON.readTree(new BoundedInputStream(in, MAX_TOKEN_RESPONSE));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new UpstreamFailureException(
          "the token server of " + baseUrl + " sent invalid JSON: " + e.getOriginalMessage());
    }
    String value = text(body, "token");
    if (value.isEmpty()) {
      value = text(body, "access_token");
    }
    if (value.isEmpty()) {
      throw new UpstreamFailureException("the token server of " + baseUrl + " sent no token");
    }
    long expiresIn = body.path("expires_in").isNumber() ? body.path("expires_in").asLong() : 0;
    if (expiresIn <= 0) {
      expiresIn = 60;
    }
    long margin = Math.min(10, expiresIn / 10);
    return new Token(value, now + (expiresIn - margin) * 1000);
  }

  private static String text(JsonNode n, String field) {
    if (n == null || !n.path(field).isTextual()) {
      return "";
    }
    return n.path(field).asText();
  }

  /** One HTTP exchange, following redirects without credentials. */
  private Answer exchange(String method, URI uri, String accept, String authorization)
      throws IOException {
    URI current = uri;
    String auth = authorization;
    for (int hop = 0; ; hop++) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(current)
              .timeout(timeout)
              .header("User-Agent", "berth")
              .method(method, HttpRequest.BodyPublishers.noBody());
      if (accept != null) {
        b.header("Accept", accept);
      }
      if (auth != null) {
        b.header("Authorization", auth);
      }
      HttpResponse<InputStream> r;
      try {
        r = client.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new UpstreamFailureException("interrupted");
      }
      int s = r.statusCode();
      boolean redirect = s == 301 || s == 302 || s == 303 || s == 307 || s == 308;
      if (!redirect) {
        // the request timeout covers the headers only: every body read gets the same deadline
        return new Answer(r, new ReadDeadlineInputStream(r.body(), timeout));
      }
      Optional<String> location = r.headers().firstValue("Location");
      r.body().close();
      if (location.isEmpty() || hop >= MAX_REDIRECTS) {
        throw new UpstreamFailureException(
            baseUrl + " redirected " + (location.isEmpty() ? "without a Location" : "too often"));
      }
      current = current.resolve(location.get());
      String scheme = current.getScheme() == null ? "" : current.getScheme().toLowerCase();
      if (!scheme.equals("http") && !scheme.equals("https")) {
        throw new UpstreamFailureException(baseUrl + " redirected to a non-http URL");
      }
      auth = null;
      log.debug("following redirect of {} to {}", uri, current.getHost());
    }
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  /** Forgets cached tokens (tests, credential changes). */
  public void forgetTokens() {
    tokens.clear();
  }

  /** Repositories with a cached token (tests). */
  List<String> tokenRepositories() {
    return List.copyOf(tokens.keySet());
  }
}
