package io.berth.node.access;

/**
 * The policy until token auth lands: everything is allowed. Private prefixes are still protected by
 * the services (invariant 7: never fetched upstream, never answered 404).
 */
public final class OpenAccessPolicy implements AccessPolicy {
  @Override
  public Decision decide(Subject subject, Action action, ResourceKind kind, String resource) {
    return Decision.ALLOW;
  }
}
