package io.berth.node.access;

import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;

/**
 * Puts an admin endpoint behind the {@link AccessPolicy}: before the wrapped handler runs, the
 * request must be allowed {@code READ} (GET, HEAD) or {@code WRITE} (any other method) on the
 * {@code ADMIN} resource named here; a denial answers its status and reason as text and runs
 * nothing. For endpoints whose handler does not decide itself (status and lookup APIs).
 */
public final class AdminAccessHandler implements HttpHandler {
  private final AccessPolicy policy;
  private final String resource;
  private final HttpHandler next;

  private AdminAccessHandler(AccessPolicy policy, String resource, HttpHandler next) {
    this.policy = policy;
    this.resource = resource;
    this.next = next;
  }

  /** {@code next} behind the policy's decision on {@code ADMIN} resource {@code resource}. */
  public static HttpHandler guard(AccessPolicy policy, String resource, HttpHandler next) {
    return new AdminAccessHandler(policy, resource, next);
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    AccessPolicy.Action action =
        ex.method().equals("GET") || ex.method().equals("HEAD")
            ? AccessPolicy.Action.READ
            : AccessPolicy.Action.WRITE;
    AccessPolicy.Decision d =
        policy.decide(
            AccessPolicy.Subject.ANONYMOUS, action, AccessPolicy.ResourceKind.ADMIN, resource);
    if (!d.allowed()) {
      ex.sendText(d.status(), d.reason());
      return;
    }
    next.handle(ex);
  }

  @Override
  public void refuse(Exchange exchange, Refusal refusal, String reason) {
    next.refuse(exchange, refusal, reason);
  }
}
