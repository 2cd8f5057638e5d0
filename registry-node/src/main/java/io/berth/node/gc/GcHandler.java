package io.berth.node.gc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.access.AccessPolicy;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.storage.StorageException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /_berth/api/gc[?dryRun=true|false]}: runs garbage collection on this node now and
 * answers the report as JSON (200). 409 when another process owns garbage collection (another node
 * is the ZooKeeper leader, or a {@code berth gc} holds the lock) or when deleting is not safe now
 * ({@link GcSafety}: shared storage without an elected owner or a caught-up change log; the text
 * says why), 503 when storage fails. The request first passes the {@link AccessPolicy} ({@code
 * WRITE} on {@code ADMIN} resource {@code gc}); a denial answers its status and reason as text.
 */
public final class GcHandler implements HttpHandler {
  public static final String PATH = "/_berth/api/gc";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GcService gc;
  private final AccessPolicy access;

  public GcHandler(GcService gc, AccessPolicy access) {
    this.gc = gc;
    this.access = access;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("POST")) {
      ex.sendText(
          405, "method not allowed: run garbage collection with POST", Map.of("Allow", "POST"));
      return;
    }
    AccessPolicy.Decision d =
        access.decide(
            AccessPolicy.Subject.ANONYMOUS,
            AccessPolicy.Action.WRITE,
            AccessPolicy.ResourceKind.ADMIN,
            "gc");
    if (!d.allowed()) {
      ex.sendText(d.status(), d.reason());
      return;
    }
    String dry = ex.queryParam("dryRun");
    if (dry != null && !dry.equals("true") && !dry.equals("false")) {
      ex.sendText(400, "bad request: dryRun must be true or false");
      return;
    }
    Optional<GcReport> report;
    try {
      report = gc.runNow(dry == null ? null : Boolean.valueOf(dry), Duration.ZERO);
    } catch (GcRefusedException e) {
      ex.sendText(409, e.getMessage() + " (nothing was deleted; dry runs are allowed)");
      return;
    } catch (StorageException e) {
      ex.sendText(
          503, "storage unavailable, retry later: " + e.getMessage(), Map.of("Retry-After", "5"));
      return;
    }
    if (report.isEmpty()) {
      ex.sendText(409, "garbage collection is running elsewhere: it is owned by " + gc.owner());
      return;
    }
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(report.get()), Map.of());
  }
}
