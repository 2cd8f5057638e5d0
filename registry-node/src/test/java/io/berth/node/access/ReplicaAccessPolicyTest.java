package io.berth.node.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ReplicaAccessPolicyTest {
  @Test
  void deniesWritesAndDeletesUntilPromotedAndAlwaysAllowsReads() {
    AtomicBoolean promoted = new AtomicBoolean();
    AccessPolicy p = new ReplicaAccessPolicy(new OpenAccessPolicy(), "dr", promoted::get);
    for (AccessPolicy.ResourceKind kind : AccessPolicy.ResourceKind.values()) {
      if (kind == AccessPolicy.ResourceKind.ADMIN) {
        continue;
      }
      assertThat(p.decide(AccessPolicy.Subject.ANONYMOUS, AccessPolicy.Action.READ, kind, "x"))
          .isEqualTo(AccessPolicy.Decision.ALLOW);
      for (AccessPolicy.Action a :
          new AccessPolicy.Action[] {AccessPolicy.Action.WRITE, AccessPolicy.Action.DELETE}) {
        AccessPolicy.Decision d = p.decide(AccessPolicy.Subject.ANONYMOUS, a, kind, "x");
        assertThat(d.allowed()).isFalse();
        assertThat(d.status()).isEqualTo(403);
        assertThat(d.reason())
            .contains("read-only DR replica")
            .contains("berth promote --region dr");
      }
    }
    promoted.set(true);
    assertThat(
            p.decide(
                AccessPolicy.Subject.ANONYMOUS,
                AccessPolicy.Action.WRITE,
                AccessPolicy.ResourceKind.GO_MODULE,
                "corp.example.com/x"))
        .isEqualTo(AccessPolicy.Decision.ALLOW);
  }

  @Test
  void adminMaintenancePassesToTheWrappedPolicyOnAnUnpromotedReplica() {
    AccessPolicy p = new ReplicaAccessPolicy(new OpenAccessPolicy(), "dr", () -> false);
    assertThat(
            p.decide(
                AccessPolicy.Subject.ANONYMOUS,
                AccessPolicy.Action.WRITE,
                AccessPolicy.ResourceKind.ADMIN,
                "gc"))
        .isEqualTo(AccessPolicy.Decision.ALLOW);
    AccessPolicy denyAll = (s, a, k, r) -> AccessPolicy.Decision.deny(403, "ops only");
    assertThat(
            new ReplicaAccessPolicy(denyAll, "dr", () -> false)
                .decide(
                    AccessPolicy.Subject.ANONYMOUS,
                    AccessPolicy.Action.WRITE,
                    AccessPolicy.ResourceKind.ADMIN,
                    "scrub")
                .reason())
        .isEqualTo("ops only");
  }

  @Test
  void aPromotedReplicaStillAppliesTheWrappedPolicy() {
    AccessPolicy denyAll = (s, a, k, r) -> AccessPolicy.Decision.deny(401, "log in");
    AccessPolicy p = new ReplicaAccessPolicy(denyAll, "dr", () -> true);
    assertThat(
            p.decide(
                    AccessPolicy.Subject.ANONYMOUS,
                    AccessPolicy.Action.WRITE,
                    AccessPolicy.ResourceKind.OCI_REPOSITORY,
                    "r")
                .status())
        .isEqualTo(401);
  }
}
