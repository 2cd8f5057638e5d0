package io.berth.node.access;

import java.util.function.BooleanSupplier;

/**
 * The policy of a node in {@code replica} mode (a DR replica region): reads pass to the wrapped
 * policy, client writes and deletes are denied with 403 until the region is promoted. Replicated
 * changes do not pass through the access policy, so they keep applying. Admin actions (garbage
 * collection, scrub) are maintenance, not client writes: they pass to the wrapped policy.
 */
public final class ReplicaAccessPolicy implements AccessPolicy {
  private final AccessPolicy delegate;
  private final BooleanSupplier promoted;
  private final String reason;

  /**
   * @param promoted whether the region has been promoted (read on every decision)
   */
  public ReplicaAccessPolicy(AccessPolicy delegate, String region, BooleanSupplier promoted) {
    this.delegate = delegate;
    this.promoted = promoted;
    this.reason = reason(region);
  }

  /** The denial text shown to clients. */
  public static String reason(String region) {
    return "this region ("
        + region
        + ") is a read-only DR replica; promote it with `berth promote --region "
        + region
        + " --zookeeper <host:port>`";
  }

  @Override
  public Decision decide(Subject subject, Action action, ResourceKind kind, String resource) {
    if (action != Action.READ && kind != ResourceKind.ADMIN && !promoted.getAsBoolean()) {
      return Decision.deny(403, reason);
    }
    return delegate.decide(subject, action, kind, resource);
  }
}
