package io.berth.node.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A small OCI distribution client for tests, on {@link java.net.http.HttpClient}: raw requests plus
 * the push steps tests repeat (monolithic blob push, manifest push).
 */
public final class OciClient {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private final String base;

  public OciClient(String baseUrl) {
    this.base = baseUrl;
  }

  public String base() {
    return base;
  }

  /** A response with its body as bytes. */
  public record Response(HttpResponse<byte[]> raw) {
    public int status() {
      return raw.statusCode();
    }

    public byte[] body() {
      return raw.body();
    }

    public String text() {
      return new String(raw.body(), StandardCharsets.UTF_8);
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }

    public JsonNode json() {
      try {
        return JSON.readTree(raw.body());
      } catch (IOException e) {
        throw new AssertionError("not JSON: " + text(), e);
      }
    }

    /** The first error code of an OCI error body. */
    public String errorCode() {
      return json().path("errors").path(0).path("code").asText();
    }

    @Override
    public String toString() {
      return raw.request().method() + " " + raw.uri() + " -> " + status() + " " + text();
    }
  }

  /** Sends a request; {@code body} null means no body, headers are set as given. */
  public Response send(String method, String pathOrUrl, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl))
            .timeout(Duration.ofSeconds(120));
    headers.forEach(b::header);
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    return exchange(b.build());
  }

  /** Sends {@code body} with chunked transfer encoding (no Content-Length). */
  public Response sendStreamed(
      String method, String pathOrUrl, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl))
            .timeout(Duration.ofSeconds(120));
    headers.forEach(b::header);
    b.method(
        method, HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)));
    return exchange(b.build());
  }

  private static Response exchange(HttpRequest request) {
    try {
      return new Response(CLIENT.send(request, HttpResponse.BodyHandlers.ofByteArray()));
    } catch (IOException e) {
      throw new UncheckedIOException(request.method() + " " + request.uri(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  public Response get(String path) {
    return send("GET", path, null, Map.of());
  }

  public Response get(String path, Map<String, String> headers) {
    return send("GET", path, null, headers);
  }

  public Response head(String path) {
    return send("HEAD", path, null, Map.of());
  }

  public Response delete(String path) {
    return send("DELETE", path, null, Map.of());
  }

  /** Pushes a blob with a monolithic {@code POST ?digest=}; asserts 201. */
  public Digest pushBlob(String repo, byte[] content) {
    Digest d = Digest.sha256(content);
    Response r =
        send(
            "POST",
            "/v2/" + repo + "/blobs/uploads/?digest=" + d,
            content,
            Map.of("Content-Type", "application/octet-stream"));
    if (r.status() != 201) {
      throw new AssertionError("blob push failed: " + r);
    }
    return d;
  }

  /** Pushes a manifest under {@code reference}; returns the response. */
  public Response putManifest(String repo, String reference, String mediaType, byte[] manifest) {
    return send(
        "PUT",
        "/v2/" + repo + "/manifests/" + reference,
        manifest,
        Map.of("Content-Type", mediaType));
  }

  /** Headers for one call. */
  public static Map<String, String> headers(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
