package io.berth.node.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.StringWriter;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Request metrics (by route and status), bytes out, and one JSON access-log line per request. */
public final class HttpTelemetry implements HttpServer.HttpObserver {
  private static final Logger access = LoggerFactory.getLogger("berth.access");
  private static final JsonFactory JSON = new JsonFactory();

  private final MeterRegistry registry;
  private final boolean accessLog;
  private final Counter bytesOut;

  public HttpTelemetry(MeterRegistry registry, boolean accessLog) {
    this.registry = registry;
    this.accessLog = accessLog;
    this.bytesOut = Counter.builder("berth_http_bytes_out").baseUnit("bytes").register(registry);
  }

  /** The HTTP methods that get their own metric tag; any other (client-chosen) one is OTHER. */
  private static final java.util.Set<String> KNOWN_METHODS =
      java.util.Set.of("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS");

  /** Bounds the tag's cardinality: Netty accepts any token as a method. */
  static String methodTag(String method) {
    return KNOWN_METHODS.contains(method) ? method : "OTHER";
  }

  /** The tags of one request timer: routes, methods and statuses are each a small, fixed set. */
  private record TimerKey(String route, String method, int status) {}

  /** Request timers by tags, so a request does not build and look up a meter id. */
  private final ConcurrentHashMap<TimerKey, Timer> timers = new ConcurrentHashMap<>();

  private Timer timer(String route, String method, int status) {
    TimerKey key = new TimerKey(route, method, status);
    Timer t = timers.get(key);
    if (t == null) {
      t =
          timers.computeIfAbsent(
              key,
              k ->
                  Timer.builder("berth_http_requests")
                      .tag("route", k.route())
                      .tag("method", k.method())
                      .tag("status", Integer.toString(k.status()))
                      .register(registry));
    }
    return t;
  }

  @Override
  public void completed(Exchange ex, long nanos) {
    timer(ex.route(), methodTag(ex.method()), ex.status()).record(nanos, TimeUnit.NANOSECONDS);
    bytesOut.increment(ex.bytesSent());
    if (accessLog && access.isInfoEnabled()) {
      StringWriter w = new StringWriter(256);
      try (JsonGenerator g = JSON.createGenerator(w)) {
        g.writeStartObject();
        g.writeStringField("ts", Instant.now().toString());
        g.writeStringField("remote", ex.remoteAddress());
        g.writeStringField("method", ex.method());
        g.writeStringField("path", ex.path());
        g.writeStringField("route", ex.route());
        g.writeNumberField("status", ex.status());
        g.writeNumberField("bytes", ex.bytesSent());
        g.writeNumberField("ms", nanos / 1_000_000.0);
        String ua = ex.header("User-Agent");
        if (ua != null) {
          g.writeStringField("ua", ua);
        }
        g.writeEndObject();
      } catch (IOException e) {
        return;
      }
      access.info(w.toString());
    }
  }
}
