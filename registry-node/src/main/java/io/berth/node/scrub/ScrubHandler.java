package io.berth.node.scrub;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.access.AccessPolicy;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.storage.StorageException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * {@code POST /_berth/api/scrub}: runs one scrub pass on this node now (at the configured rate, so
 * it may take long) and answers the report as JSON; 409 when another process owns scrub. The
 * request first passes the {@link AccessPolicy} ({@code WRITE} on {@code ADMIN} resource {@code
 * scrub}); a denial answers its status and reason as text.
 */
public final class ScrubHandler implements HttpHandler {
  public static final String PATH = "/_berth/api/scrub";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ScrubService scrub;
  private final AccessPolicy access;

  public ScrubHandler(ScrubService scrub, AccessPolicy access) {
    this.scrub = scrub;
    this.access = access;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    if (!ex.method().equals("POST")) {
      ex.sendText(405, "method not allowed: run scrub with POST", Map.of("Allow", "POST"));
      return;
    }
    AccessPolicy.Decision d =
        access.decide(
            AccessPolicy.Subject.ANONYMOUS,
            AccessPolicy.Action.WRITE,
            AccessPolicy.ResourceKind.ADMIN,
            "scrub");
    if (!d.allowed()) {
      ex.sendText(d.status(), d.reason());
      return;
    }
    Optional<ScrubReport> report;
    try {
      report = scrub.runNow(Duration.ZERO);
    } catch (StorageException e) {
      ex.sendText(
          503, "storage unavailable, retry later: " + e.getMessage(), Map.of("Retry-After", "5"));
      return;
    }
    if (report.isEmpty()) {
      ex.sendText(409, "scrub is running elsewhere: it is owned by " + scrub.owner());
      return;
    }
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(report.get()), Map.of());
  }
}
