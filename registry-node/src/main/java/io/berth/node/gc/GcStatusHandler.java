package io.berth.node.gc;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.access.AccessPolicy;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import java.util.Map;

/**
 * {@code GET /_berth/api/gc/status}: the garbage-collection owner, whether deleting is safe now
 * (and if not, why), the last refused run ({@code lastSkipped}) and the last run's report, as JSON.
 * The request first passes the {@link AccessPolicy} ({@code READ} on {@code ADMIN} resource {@code
 * gc}); a denial answers its status and reason as text.
 */
public final class GcStatusHandler implements HttpHandler {
  public static final String PATH = "/_berth/api/gc/status";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final GcService gc;
  private final AccessPolicy access;

  public GcStatusHandler(GcService gc, AccessPolicy access) {
    this.gc = gc;
    this.access = access;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("GET") && !ex.method().equals("HEAD")) {
      ex.sendText(405, "method not allowed: read the status with GET", Map.of("Allow", "GET"));
      return;
    }
    AccessPolicy.Decision d =
        access.decide(
            AccessPolicy.Subject.ANONYMOUS,
            AccessPolicy.Action.READ,
            AccessPolicy.ResourceKind.ADMIN,
            "gc");
    if (!d.allowed()) {
      ex.sendText(d.status(), d.reason());
      return;
    }
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(gc.status()), Map.of());
  }
}
