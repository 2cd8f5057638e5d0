package io.berth.node.upstream;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ordered list of upstream GOPROXY URLs with the go command's separator rules: after a proxy
 * followed by {@code ,} the next one is tried only when it answered 404 or 410; after {@code |} on
 * any error. {@code off}, {@code direct} and empty entries are not fetched from (a proxy cannot
 * fetch from version control), so {@code "off"} means no upstream at all.
 *
 * <p>{@code timeout} bounds the wait for the response headers and, for the body, every read: an
 * upstream that stops sending for that long fails the read ({@link ReadDeadlineInputStream}).
 */
public final class GoProxyUpstream {
  private static final Logger log = LoggerFactory.getLogger(GoProxyUpstream.class);

  record Entry(String baseUrl, boolean fallThroughOnError) {}

  /** A successful upstream answer; the caller closes the body. */
  public record Response(String upstream, long contentLength, InputStream body)
      implements AutoCloseable {
    @Override
    public void close() throws IOException {
      body.close();
    }
  }

  private final List<Entry> entries;
  private final HttpClient client;
  private final Duration timeout;
  private final MeterRegistry metrics;
  private final String area;

  public GoProxyUpstream(String spec, Duration timeout, MeterRegistry metrics) {
    this(spec, timeout, metrics, "gomod");
  }

  /**
   * An upstream list whose metrics ({@code berth_upstream_request}, {@code berth_upstream_errors})
   * carry the tag {@code area} (gomod, sumdb; the OCI cache uses oci).
   */
  public GoProxyUpstream(String spec, Duration timeout, MeterRegistry metrics, String area) {
    this.area = area;
    this.entries = parse(spec);
    this.timeout = timeout;
    this.metrics = metrics;
    this.client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(Math.min(10, timeout.toSeconds())))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
  }

  static List<Entry> parse(String spec) {
    List<Entry> out = new ArrayList<>();
    if (spec == null) {
      return out;
    }
    int i = 0;
    while (i < spec.length()) {
      int j = i;
      while (j < spec.length() && spec.charAt(j) != ',' && spec.charAt(j) != '|') {
        j++;
      }
      String url = spec.substring(i, j).trim();
      boolean pipe = j < spec.length() && spec.charAt(j) == '|';
      String lower = url.toLowerCase(Locale.ROOT);
      if (!url.isEmpty()
          && !lower.equals("off")
          && !lower.equals("direct")
          && !lower.equals("noproxy")) {
        if (!lower.startsWith("http://") && !lower.startsWith("https://")) {
          throw new IllegalArgumentException(
              "upstream '" + url + "' must be an http:// or https:// URL (or off)");
        }
        out.add(new Entry(url.endsWith("/") ? url.substring(0, url.length() - 1) : url, pipe));
      }
      i = j + 1;
    }
    return out;
  }

  /** Whether any upstream is configured. */
  public boolean enabled() {
    return !entries.isEmpty();
  }

  /** The configured upstream base URLs, in order. */
  public List<String> urls() {
    return entries.stream().map(Entry::baseUrl).toList();
  }

  /**
   * Fetches {@code relativePath} (already case-encoded, starting with {@code /}).
   *
   * @throws UpstreamNotFoundException when every consulted upstream answered 404/410 (or none is
   *     configured)
   * @throws UpstreamFailureException when an upstream failed and the separator rules stop there
   */
  public Response fetch(String relativePath) {
    UpstreamFailureException lastFailure = null;
    for (Entry e : entries) {
      String url = e.baseUrl + relativePath;
      long start = System.nanoTime();
      String outcome = "error";
      try {
        HttpRequest req =
            HttpRequest.newBuilder(URI.create(url))
                .timeout(timeout)
                .header("User-Agent", "berth")
                .GET()
                .build();
        HttpResponse<InputStream> resp =
            client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        int status = resp.statusCode();
        if (status == 200) {
          outcome = "ok";
          long len = resp.headers().firstValueAsLong("Content-Length").orElse(-1);
          return new Response(e.baseUrl, len, new ReadDeadlineInputStream(resp.body(), timeout));
        }
        resp.body().close();
        if (status == 404 || status == 410) {
          outcome = "not_found";
          lastFailure = null;
          continue;
        }
        outcome = "status_" + status;
        lastFailure =
            new UpstreamFailureException(
                e.baseUrl + " answered " + status + " for " + relativePath);
      } catch (IOException ex) {
        lastFailure =
            new UpstreamFailureException(
                e.baseUrl + " unreachable: " + ex.getClass().getSimpleName());
      } catch (InterruptedException ex) {
        Thread.currentThread().interrupt();
        throw new UpstreamFailureException("interrupted");
      } finally {
        Timer.builder("berth_upstream_request")
            .tag("area", area)
            .tag("upstream", e.baseUrl)
            .tag("outcome", outcome)
            .register(metrics)
            .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        if (!outcome.equals("ok") && !outcome.equals("not_found")) {
          Counter.builder("berth_upstream_errors")
              .tag("area", area)
              .tag("upstream", e.baseUrl)
              .register(metrics)
              .increment();
        }
      }
      if (lastFailure != null) {
        log.warn("upstream failure: {}", lastFailure.getMessage());
        if (!e.fallThroughOnError) {
          throw lastFailure;
        }
      }
    }
    if (lastFailure != null) {
      throw lastFailure;
    }
    throw new UpstreamNotFoundException(relativePath);
  }
}
