package io.berth.coordinator.routing;

import static io.berth.coordinator.routing.Tables.NOW;
import static io.berth.coordinator.routing.Tables.fourNodes;
import static io.berth.coordinator.routing.Tables.observed;
import static io.berth.coordinator.routing.Tables.to;
import static io.berth.coordinator.routing.Tables.view;
import static org.assertj.core.api.Assertions.assertThat;

import io.berth.coordinator.config.CoordinatorConfig;
import io.berth.coordinator.routing.ClusterView.ObservedMember;
import io.berth.proto.coordinator.v1.Measurement;
import io.berth.proto.coordinator.v1.Member;
import io.berth.proto.coordinator.v1.NetworkMeasurement;
import io.berth.proto.coordinator.v1.RankedNode;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyAwareRoutingPolicyTest extends RoutingPolicyContract {
  static final CoordinatorConfig.RoutingSection W = CoordinatorConfig.RoutingSection.defaults();

  @Override
  protected RoutingPolicy policy() {
    return new LatencyAwareRoutingPolicy(W);
  }

  static List<String> ids(RoutingTable t, int network) {
    return t.getNetworks(network).getNodesList().stream().map(RankedNode::getNodeId).toList();
  }

  /** Replaces what every node measured of {@code target} with {@code ttfbMicros}. */
  static List<ObservedMember> measured(List<ObservedMember> in, String target, long ttfbMicros) {
    List<ObservedMember> out = new ArrayList<>();
    for (ObservedMember o : in) {
      Member.Builder b = o.record().toBuilder().clearPeers();
      for (Measurement m : o.record().getPeersList()) {
        b.addPeers(
            m.getTargetId().equals(target) ? to(target, m.getTargetRegion(), ttfbMicros) : m);
      }
      out.add(observed(b.build()));
    }
    return out;
  }

  @Test
  void eachNetworkGetsItsRegionFirst() {
    RoutingTable t = policy().compute(view(fourNodes()));
    assertThat(ids(t, 0).subList(0, 2)).containsExactlyInAnyOrder("a1", "a2");
    assertThat(ids(t, 1).subList(0, 2)).containsExactlyInAnyOrder("b1", "b2");
    RankedNode far = t.getNetworks(0).getNodes(3);
    assertThat(far.getReason())
        .contains("other region +25.00 ms")
        .contains("measurement(s) from region a");
  }

  @Test
  void aSlowNodeDropsBelowItsPeersAndBelowOtherRegions() {
    RoutingTable t = policy().compute(view(measured(fourNodes(), "a1", 200_000)));
    assertThat(ids(t, 0)).last().isEqualTo("a1");
    assertThat(ids(t, 0).get(0)).isEqualTo("a2");
    assertThat(t.getNetworks(0).getNodes(3).getEstimatedLatencyMicros()).isEqualTo(200_000);
  }

  @Test
  void loadAndCatchingUpArePenalized() {
    List<ObservedMember> ms = new ArrayList<>(fourNodes());
    ms.set(0, observed(ms.get(0).record().toBuilder().setLoad(1.0).build()));
    RoutingTable loaded = policy().compute(view(ms));
    assertThat(ids(loaded, 0).get(0)).isEqualTo("a2");
    assertThat(loaded.getNetworks(0).getNodes(1).getReason()).contains("load 1.00 +5.00 ms");

    ms = new ArrayList<>(fourNodes());
    ms.set(1, observed(ms.get(1).record().toBuilder().setCaughtUp(false).build()));
    RoutingTable catching = policy().compute(view(ms));
    assertThat(ids(catching, 0).get(0)).isEqualTo("a1");
    assertThat(ids(catching, 0)).last().isEqualTo("a2");
    assertThat(catching.getNetworks(0).getNodes(3).getReason()).contains("catching up");
  }

  @Test
  void aReplicaFarBehindItsRegionIsPenalized() {
    List<ObservedMember> ms = new ArrayList<>(fourNodes());
    ms.set(0, observed(ms.get(0).record().toBuilder().setAppliedHlcMillis(NOW).build()));
    ms.set(1, observed(ms.get(1).record().toBuilder().setAppliedHlcMillis(NOW - 60_000).build()));
    RoutingTable t = policy().compute(view(ms));
    assertThat(ids(t, 0).get(0)).isEqualTo("a1");
    assertThat(t.getNetworks(0).getNodesList())
        .filteredOn(n -> n.getNodeId().equals("a2"))
        .first()
        .satisfies(n -> assertThat(n.getReason()).contains("60000 ms behind its region"));
  }

  @Test
  void clientReportsWinOverPeerMeasurements() {
    NetworkMeasurement slowA2 =
        NetworkMeasurement.newBuilder()
            .setNetwork("net-a")
            .setMeasurement(to("a2", "a", 90_000))
            .build();
    ClusterView v =
        new ClusterView(NOW, fourNodes(), List.of(), List.of(slowA2), Tables.networks(), "");
    RoutingTable t = policy().compute(v);
    assertThat(ids(t, 0).get(0)).isEqualTo("a1");
    RankedNode a2 =
        t.getNetworks(0).getNodesList().stream()
            .filter(n -> n.getNodeId().equals("a2"))
            .findFirst()
            .orElseThrow();
    assertThat(a2.getEstimatedLatencyMicros()).isEqualTo(90_000);
    assertThat(a2.getReason()).contains("1 client report(s)");
    assertThat(ids(t, 1).subList(0, 2)).containsExactlyInAnyOrder("b1", "b2");
  }

  @Test
  void failedPeerProbesLowerTheSuccessRateAndAreNotTakenAsFast() {
    List<ObservedMember> out = new ArrayList<>();
    for (ObservedMember o : fourNodes()) {
      Member.Builder b = o.record().toBuilder().clearPeers();
      for (Measurement m : o.record().getPeersList()) {
        b.addPeers(
            m.getTargetId().equals("a1")
                ? m.toBuilder().setTtfbMicros(0).setConnectMicros(0).setSuccessRate(0).build()
                : m);
      }
      out.add(observed(b.build()));
    }
    RoutingTable t = policy().compute(view(out));
    assertThat(ids(t, 0)).last().isEqualTo("a1");
  }

  @Test
  void withoutMeasurementsDefaultsBySameOrOtherRegion() {
    List<ObservedMember> bare = new ArrayList<>();
    for (ObservedMember o : fourNodes()) {
      bare.add(
          new ObservedMember(o.record().toBuilder().clearPeers().build(), 10, null, o.addresses()));
    }
    RoutingTable t = policy().compute(view(bare));
    assertThat(ids(t, 1).subList(0, 2)).containsExactlyInAnyOrder("b1", "b2");
    assertThat(t.getNetworks(1).getNodes(0).getReason()).contains("default for the same region");
    assertThat(t.getNetworks(1).getNodes(3).getEstimatedLatencyMicros()).isEqualTo(100_000);
  }
}
