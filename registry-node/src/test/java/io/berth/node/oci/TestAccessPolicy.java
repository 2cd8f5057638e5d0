package io.berth.node.oci;

import io.berth.common.RepositoryName;
import io.berth.node.access.AccessPolicy;

/**
 * A policy for tests, decorating the node's default: nobody may read repositories under {@code
 * secret}, repositories under {@code auth} need credentials (401), and repositories under {@code
 * readonly} refuse writes and deletes (403, like a read-only replica).
 */
final class TestAccessPolicy implements AccessPolicy {
  private final AccessPolicy inner;

  TestAccessPolicy(AccessPolicy inner) {
    this.inner = inner;
  }

  @Override
  public Decision decide(Subject subject, Action action, ResourceKind kind, String resource) {
    if (kind == ResourceKind.OCI_REPOSITORY && RepositoryName.isValid(resource)) {
      RepositoryName name = RepositoryName.parse(resource);
      if (name.isWithin("secret") && action == Action.READ) {
        return Decision.deny(403, "reading " + resource + " is not allowed");
      }
      if (name.isWithin("auth")) {
        return Decision.deny(401, "credentials required for " + resource);
      }
      if (name.isWithin("readonly") && action != Action.READ) {
        return Decision.deny(403, "this region is a read-only replica");
      }
    }
    return inner.decide(subject, action, kind, resource);
  }
}
