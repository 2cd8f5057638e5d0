package io.berth.coordinator.routing;

import io.berth.coordinator.config.CoordinatorConfig;
import io.berth.coordinator.routing.ClusterView.ClientNetwork;
import io.berth.coordinator.routing.ClusterView.HealthProbe;
import io.berth.coordinator.routing.ClusterView.ObservedMember;
import io.berth.proto.coordinator.v1.Measurement;
import io.berth.proto.coordinator.v1.Member;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.util.ArrayList;
import java.util.List;

/** Test data: members, views and a ready table for two regions a (127.0.1.x) and b (127.0.2.x). */
public final class Tables {
  public static final long NOW = 1_700_000_000_000L;

  private Tables() {}

  public static Member member(String region, String id, String ip, int port) {
    return Member.newBuilder()
        .setSchema(1)
        .setRegion(region)
        .setNodeId(id)
        .setUrl("http://" + ip + ":" + port)
        .setHealthy(true)
        .setCaughtUp(true)
        .setHeartbeatMillis(NOW)
        .build();
  }

  public static Measurement to(String id, String region, long ttfbMicros) {
    return Measurement.newBuilder()
        .setTargetId(id)
        .setTargetRegion(region)
        .setConnectMicros(ttfbMicros / 2)
        .setTtfbMicros(ttfbMicros)
        .setTotalMicros(ttfbMicros)
        .setSuccessRate(1)
        .setSamples(5)
        .setMeasuredAtMillis(NOW)
        .build();
  }

  public static ObservedMember observed(Member m) {
    String ip = m.getUrl().substring(7, m.getUrl().lastIndexOf(':'));
    return new ObservedMember(m, 100, new HealthProbe(true, "", 300, ""), List.of(ip));
  }

  public static List<ClientNetwork> networks() {
    return List.of(
        new ClientNetwork("net-a", "a", List.of(Cidr.parse("127.0.1.0/24"))),
        new ClientNetwork("net-b", "b", List.of(Cidr.parse("127.0.2.0/24"))));
  }

  public static ClusterView view(List<ObservedMember> members) {
    return new ClusterView(NOW, members, List.of(), List.of(), networks(), "");
  }

  /** Four healthy nodes (a1, a2 in a; b1, b2 in b) that measured each other at 0.3 ms. */
  public static List<ObservedMember> fourNodes() {
    List<Member> ms =
        List.of(
            member("a", "a1", "127.0.1.2", 8081),
            member("a", "a2", "127.0.1.3", 8082),
            member("b", "b1", "127.0.2.2", 8083),
            member("b", "b2", "127.0.2.3", 8084));
    List<ObservedMember> out = new ArrayList<>();
    for (Member m : ms) {
      Member.Builder b = m.toBuilder();
      for (Member peer : ms) {
        if (peer != m) {
          b.addPeers(to(peer.getNodeId(), peer.getRegion(), 300));
        }
      }
      out.add(observed(b.build()));
    }
    return out;
  }

  /** The published table for {@link #fourNodes()}. */
  public static RoutingTable fourNodeTable() {
    return new LatencyAwareRoutingPolicy(CoordinatorConfig.RoutingSection.defaults())
        .compute(view(fourNodes())).toBuilder().setEpoch(7).setVersion(1).setLeaderId("c1").build();
  }
}
