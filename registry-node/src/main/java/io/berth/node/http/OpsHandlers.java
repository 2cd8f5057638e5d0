package io.berth.node.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code /healthz} (the process is up), {@code /readyz} (every readiness check passes), {@code
 * /metrics}.
 */
public final class OpsHandlers {

  /** A readiness check: returns null when ready, else the reason it is not. */
  @FunctionalInterface
  public interface ReadinessCheck extends Supplier<String> {}

  private final PrometheusMeterRegistry registry;
  private final List<ReadinessCheck> checks;

  public OpsHandlers(PrometheusMeterRegistry registry, List<ReadinessCheck> checks) {
    this.registry = registry;
    this.checks = checks;
  }

  public HttpHandler health() {
    return ex -> ex.sendText(200, "ok");
  }

  public HttpHandler ready() {
    return ex -> {
      for (ReadinessCheck c : checks) {
        String problem = c.get();
        if (problem != null) {
          ex.sendText(503, "not ready: " + problem);
          return;
        }
      }
      ex.sendText(200, "ready");
    };
  }

  public HttpHandler metrics() {
    return (Exchange ex) ->
        ex.sendBytes(
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            registry.scrape().getBytes(java.nio.charset.StandardCharsets.UTF_8),
            Map.of());
  }
}
