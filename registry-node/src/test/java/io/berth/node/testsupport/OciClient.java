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
    return send(method, pathOrUrl, body, headers, Duration.ofSeconds(120));
  }

  /**
   * Like {@link #send(String, String, byte[], Map)} with another timeout for the whole exchange.
   */
  public Response send(
      String method, String pathOrUrl, byte[] body, Map<String, String> headers, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl))
            .timeout(timeout);
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

  /**
   * Sends {@code length} bytes from {@code body} (opened once, read to the end, never held in
   * memory) with that Content-Length.
   */
  public Response sendStream(
      String method,
      String pathOrUrl,
      java.util.function.Supplier<java.io.InputStream> body,
      long length,
      Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(
                URI.create(pathOrUrl.startsWith("http") ? pathOrUrl : base + pathOrUrl))
            .timeout(Duration.ofMinutes(30));
    headers.forEach(b::header);
    b.method(
        method,
        HttpRequest.BodyPublishers.fromPublisher(
            HttpRequest.BodyPublishers.ofInputStream(body), length));
    return exchange(b.build());
  }

  /** What a streamed GET received: status, the body's sha256 and length (not kept in memory). */
  public record Streamed(int status, Digest digest, long size, String contentType) {}

  /** GETs {@code path} and hashes the body while it streams. */
  public Streamed getDigest(String path) {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(path.startsWith("http") ? path : base + path))
            .timeout(Duration.ofMinutes(30))
            .GET()
            .build();
    try {
      HttpResponse<java.io.InputStream> r =
          CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
      java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
      long size = 0;
      try (java.io.InputStream in = r.body()) {
        byte[] buf = new byte[1 << 16];
        int n;
        while ((n = in.read(buf)) > 0) {
          md.update(buf, 0, n);
          size += n;
        }
      }
      return new Streamed(
          r.statusCode(),
          Digest.of(Digest.Algorithm.SHA256, md.digest()),
          size,
          r.headers().firstValue("Content-Type").orElse(""));
    } catch (IOException e) {
      throw new UncheckedIOException("GET " + path, e);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code POST ?mount=<digest>&from=<from>}: 201 when mounted, 202 with a new session else. */
  public Response mount(String repo, Digest digest, String from) {
    return send(
        "POST",
        "/v2/" + repo + "/blobs/uploads/?mount=" + digest + "&from=" + from,
        null,
        Map.of());
  }

  /**
   * Pushes a blob as a chunked upload: POST, PATCHes of {@code chunk} bytes with Content-Range, and
   * the final {@code PUT ?digest=} carrying the last chunk. Returns the first response that is not
   * the expected 202 (or the final one).
   */
  public Response pushBlobChunked(String repo, byte[] content, int chunk) {
    Digest d = Digest.sha256(content);
    Response start = send("POST", "/v2/" + repo + "/blobs/uploads/", null, Map.of());
    if (start.status() != 202) {
      return start;
    }
    String loc = start.header("Location");
    int off = 0;
    while (content.length - off > chunk) {
      Response r =
          send(
              "PATCH",
              loc,
              java.util.Arrays.copyOfRange(content, off, off + chunk),
              headers("Content-Range", off + "-" + (off + chunk - 1)));
      if (r.status() != 202) {
        return r;
      }
      loc = r.header("Location");
      off += chunk;
    }
    byte[] last = java.util.Arrays.copyOfRange(content, off, content.length);
    Map<String, String> h =
        last.length == 0 ? Map.of() : headers("Content-Range", off + "-" + (content.length - 1));
    return send("PUT", loc + (loc.contains("?") ? "&" : "?") + "digest=" + d, last, h);
  }

  /**
   * Streams {@code count} PATCHes of {@code chunk} bytes each to the upload session at {@code
   * location}, the first at offset {@code from}, reading the bytes in turn from {@code source}
   * (never held in memory; {@code source} stays open). Each PATCH goes to the Location the previous
   * one answered. Returns the first response that is not the expected 202, or the last PATCH's.
   */
  public Response patchStreamed(
      String location, java.io.InputStream source, long from, long chunk, int count) {
    Response r = null;
    String loc = location;
    for (int i = 0; i < count; i++) {
      long off = from + i * chunk;
      r =
          sendStream(
              "PATCH",
              loc,
              () -> next(source, chunk),
              chunk,
              headers("Content-Range", off + "-" + (off + chunk - 1)));
      if (r.status() != 202) {
        return r;
      }
      loc = r.header("Location");
    }
    return r;
  }

  /** The next {@code n} bytes of {@code in}, as a stream whose close leaves {@code in} open. */
  private static java.io.InputStream next(java.io.InputStream in, long n) {
    return new io.berth.node.storage.BoundedInputStream(
        new java.io.FilterInputStream(in) {
          @Override
          public void close() {}
        },
        n);
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
