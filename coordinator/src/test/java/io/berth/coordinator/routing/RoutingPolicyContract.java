package io.berth.coordinator.routing;

import static io.berth.coordinator.routing.Tables.fourNodes;
import static io.berth.coordinator.routing.Tables.observed;
import static io.berth.coordinator.routing.Tables.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.coordinator.routing.ClusterView.HealthProbe;
import io.berth.coordinator.routing.ClusterView.ObservedMember;
import io.berth.proto.coordinator.v1.NetworkRoute;
import io.berth.proto.coordinator.v1.RankedNode;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What every {@link RoutingPolicy} must do (see its Javadoc). */
public abstract class RoutingPolicyContract {
  protected abstract RoutingPolicy policy();

  static List<NetworkRoute> allRoutes(RoutingTable t) {
    List<NetworkRoute> all = new ArrayList<>(t.getNetworksList());
    all.add(t.getFallback());
    return all;
  }

  @Test
  void sameViewSameTable() {
    assertThat(policy().compute(view(fourNodes()))).isEqualTo(policy().compute(view(fourNodes())));
  }

  @Test
  void everyNetworkInOrderWithFallback() {
    RoutingTable t = policy().compute(view(fourNodes()));
    assertThat(t.getNetworksList())
        .extracting(NetworkRoute::getName)
        .containsExactly("net-a", "net-b");
    assertThat(t.getNetworks(0).getRegion()).isEqualTo("a");
    assertThat(t.getNetworks(0).getCidrsList()).containsExactly("127.0.1.0/24");
    assertThat(t.getFallback().getName()).isEqualTo("default");
    assertThat(t.getEpoch()).isZero();
    assertThat(t.getVersion()).isZero();
    assertThat(t.getLeaderId()).isEmpty();
  }

  @Test
  void everyHealthyNodeOnceInEveryRankingSortedWithReasonsAndAddresses() {
    RoutingTable t = policy().compute(view(fourNodes()));
    for (NetworkRoute r : allRoutes(t)) {
      assertThat(r.getNodesList())
          .extracting(RankedNode::getNodeId)
          .containsExactlyInAnyOrder("a1", "a2", "b1", "b2");
      assertThat(r.getNodesList()).extracting(RankedNode::getScore).isSorted();
      for (RankedNode n : r.getNodesList()) {
        assertThat(n.getReason()).isNotBlank();
        assertThat(n.getEstimatedLatencyMicros()).isNotNegative();
        assertThat(n.getAddressesList()).hasSize(1);
        assertThat(n.getPort()).isBetween(8081, 8084);
      }
    }
    assertThat(t.getExcludedList()).isEmpty();
  }

  @Test
  void staleUnhealthyAndFailedProbeNodesAreExcludedWithReasons() {
    List<ObservedMember> members = new ArrayList<>(fourNodes());
    ObservedMember a1 = members.get(0);
    members.set(0, new ObservedMember(a1.record(), 60_000, a1.probe(), a1.addresses()));
    ObservedMember a2 = members.get(1);
    members.set(
        1,
        observed(a2.record().toBuilder().setHealthy(false).setHealthDetail("disk full").build()));
    ObservedMember b1 = members.get(2);
    members.set(
        2,
        new ObservedMember(
            b1.record(), 10, new HealthProbe(false, "connection refused", 0, ""), b1.addresses()));
    RoutingTable t = policy().compute(view(members));
    for (NetworkRoute r : allRoutes(t)) {
      assertThat(r.getNodesList()).extracting(RankedNode::getNodeId).containsExactly("b2");
    }
    assertThat(t.getExcludedList())
        .extracting(e -> e.getNodeId() + ": " + e.getReason())
        .anyMatch(s -> s.startsWith("a1: no heartbeat"))
        .anyMatch(s -> s.equals("a2: node reports unhealthy: disk full"))
        .anyMatch(s -> s.equals("b1: health probe failed: connection refused"));
  }

  @Test
  void noMembersNoNodes() {
    RoutingTable t = policy().compute(view(List.of()));
    allRoutes(t).forEach(r -> assertThat(r.getNodesList()).isEmpty());
  }
}
