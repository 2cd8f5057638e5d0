package io.berth.coordinator.routing;

import io.berth.coordinator.config.CoordinatorConfig.RoutingSection;
import io.berth.coordinator.routing.ClusterView.ClientNetwork;
import io.berth.coordinator.routing.ClusterView.ObservedMember;
import io.berth.proto.coordinator.v1.ExcludedNode;
import io.berth.proto.coordinator.v1.Measurement;
import io.berth.proto.coordinator.v1.Member;
import io.berth.proto.coordinator.v1.NetworkMeasurement;
import io.berth.proto.coordinator.v1.NetworkRoute;
import io.berth.proto.coordinator.v1.RankedNode;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.net.URI;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * Ranks nodes by estimated latency from each client network, adjusted for region affinity, load and
 * replica freshness (docs/adr/0010-coordinator-routing.md).
 *
 * <p>Estimated latency from a network to a node, first that applies: the median time to first byte
 * of fresh client reports from that network; else the median of fresh measurements taken from the
 * network's region (other nodes of that region measuring the node, coordinators of that region
 * probing it, the node measuring those coordinators); else a configured default for the same or
 * another region. The score adds {@code regionAffinityMs} for a node outside the network's region,
 * {@code loadPenaltyMs × load}, {@code catchingUpPenaltyMs} for a node that has not caught up with
 * its region log or lags its region by more than {@code maxReplicaLagMs}, and divides by the
 * measured success rate.
 */
public final class LatencyAwareRoutingPolicy implements RoutingPolicy {
  /** The name of the network for clients in no configured network. */
  public static final String FALLBACK = "default";

  private final RoutingSection weights;

  public LatencyAwareRoutingPolicy(RoutingSection weights) {
    this.weights = weights;
  }

  private record Candidate(ObservedMember observed, String key) {
    Member m() {
      return observed.record();
    }
  }

  @Override
  public RoutingTable compute(ClusterView view) {
    List<Candidate> eligible = new ArrayList<>();
    List<ExcludedNode> excluded = new ArrayList<>();
    TreeSet<String> privatePatterns = new TreeSet<>();
    List<ObservedMember> sorted = new ArrayList<>(view.members());
    sorted.sort(
        Comparator.comparing((ObservedMember o) -> o.record().getRegion())
            .thenComparing(o -> o.record().getNodeId()));
    for (ObservedMember o : sorted) {
      Member m = o.record();
      privatePatterns.addAll(m.getPrivatePatternsList());
      String why = exclusion(o);
      if (why != null) {
        excluded.add(
            ExcludedNode.newBuilder()
                .setNodeId(m.getNodeId())
                .setRegion(m.getRegion())
                .setReason(why)
                .build());
      } else {
        eligible.add(new Candidate(o, m.getRegion() + "/" + m.getNodeId()));
      }
    }
    Map<String, Long> regionHlc = new HashMap<>();
    for (Candidate c : eligible) {
      regionHlc.merge(c.m().getRegion(), c.m().getAppliedHlcMillis(), Math::max);
    }
    RoutingTable.Builder table =
        RoutingTable.newBuilder()
            .setSchema(1)
            .setComputedAtMillis(view.nowMillis())
            .addAllExcluded(excluded)
            .addAllPrivatePatterns(privatePatterns);
    for (ClientNetwork n : view.networks()) {
      table.addNetworks(route(n, eligible, regionHlc, view));
    }
    table.setFallback(
        route(
            new ClientNetwork(FALLBACK, view.fallbackRegion(), List.of()),
            eligible,
            regionHlc,
            view));
    return table.build();
  }

  private String exclusion(ObservedMember o) {
    if (o.ageMillis() > weights.staleAfterMs()) {
      return "no heartbeat for " + o.ageMillis() + " ms (limit " + weights.staleAfterMs() + ")";
    }
    if (!o.record().getHealthy()) {
      String d = o.record().getHealthDetail();
      return "node reports unhealthy" + (d.isEmpty() ? "" : ": " + d);
    }
    if (o.probe() != null && !o.probe().ok()) {
      return "health probe failed: " + o.probe().detail();
    }
    return null;
  }

  private NetworkRoute route(
      ClientNetwork n, List<Candidate> eligible, Map<String, Long> regionHlc, ClusterView view) {
    record Scored(RankedNode node, double score, String id) {}
    List<Scored> scored = new ArrayList<>();
    for (Candidate c : eligible) {
      Member m = c.m();
      StringBuilder reason = new StringBuilder();
      double est = estimateMs(n, c, eligible, view, reason);
      double score = est;
      if (!n.region().isEmpty() && !n.region().equals(m.getRegion())) {
        score += weights.regionAffinityMs();
        reason.append("; other region +").append(fmt(weights.regionAffinityMs())).append(" ms");
      }
      double load = Math.max(0, Math.min(1, m.getLoad()));
      if (load > 0 && weights.loadPenaltyMs() > 0) {
        double p = weights.loadPenaltyMs() * load;
        score += p;
        reason.append("; load ").append(fmt(load)).append(" +").append(fmt(p)).append(" ms");
      }
      long lag = regionHlc.getOrDefault(m.getRegion(), 0L) - m.getAppliedHlcMillis();
      if (!m.getCaughtUp()) {
        score += weights.catchingUpPenaltyMs();
        reason
            .append("; catching up with the region log +")
            .append(fmt(weights.catchingUpPenaltyMs()))
            .append(" ms");
      } else if (lag > weights.maxReplicaLagMs()) {
        score += weights.catchingUpPenaltyMs();
        reason
            .append("; replica ")
            .append(lag)
            .append(" ms behind its region +")
            .append(fmt(weights.catchingUpPenaltyMs()))
            .append(" ms");
      }
      double success = successRate(n, c, eligible, view);
      if (success < 1) {
        double p = (1 - success) * weights.crossRegionDefaultMs();
        score += p;
        reason
            .append("; success rate ")
            .append(fmt(success))
            .append(" +")
            .append(fmt(p))
            .append(" ms");
      }
      URI uri = parse(m.getUrl());
      RankedNode node =
          RankedNode.newBuilder()
              .setNodeId(m.getNodeId())
              .setRegion(m.getRegion())
              .setUrl(m.getUrl())
              .addAllAddresses(c.observed().addresses())
              .setPort(port(uri))
              .setEstimatedLatencyMicros(Math.max(0, Math.round(est * 1000)))
              .setScore(Math.round(score * 1000) / 1000.0)
              .setReason(reason.toString())
              .build();
      scored.add(new Scored(node, node.getScore(), c.key()));
    }
    scored.sort(Comparator.comparingDouble(Scored::score).thenComparing(Scored::id));
    NetworkRoute.Builder r = NetworkRoute.newBuilder().setName(n.name()).setRegion(n.region());
    n.cidrs().forEach(cidr -> r.addCidrs(cidr.toString()));
    scored.forEach(s -> r.addNodes(s.node()));
    return r.build();
  }

  private double estimateMs(
      ClientNetwork n,
      Candidate target,
      List<Candidate> eligible,
      ClusterView view,
      StringBuilder reason) {
    Member m = target.m();
    List<Long> fromClients = new ArrayList<>();
    for (NetworkMeasurement nm : view.clientMeasurements()) {
      if (nm.getNetwork().equals(n.name())
          && matches(nm.getMeasurement(), m)
          && latencyOf(nm.getMeasurement()) > 0) {
        fromClients.add(latencyOf(nm.getMeasurement()));
      }
    }
    if (!fromClients.isEmpty()) {
      double ms = median(fromClients) / 1000.0;
      reason
          .append(fmt(ms))
          .append(" ms from ")
          .append(fromClients.size())
          .append(" client report(s)");
      return ms;
    }
    List<Long> samples = new ArrayList<>();
    boolean anyRegion = n.region().isEmpty();
    for (Candidate peer : eligible) {
      if (peer == target || !(anyRegion || peer.m().getRegion().equals(n.region()))) {
        continue;
      }
      for (Measurement x : peer.m().getPeersList()) {
        if (matches(x, m) && fresh(x, view) && x.getSuccessRate() > 0 && latencyOf(x) > 0) {
          samples.add(latencyOf(x));
        }
      }
    }
    ClusterView.HealthProbe probe = target.observed().probe();
    if (probe != null
        && probe.ok()
        && probe.ttfbMicros() > 0
        && (anyRegion || probe.fromRegion().equals(n.region()))) {
      samples.add(probe.ttfbMicros());
    }
    for (Measurement x : m.getPeersList()) {
      if (x.getTargetId().startsWith("coordinator:")
          && fresh(x, view)
          && !anyRegion
          && x.getTargetRegion().equals(n.region())
          && x.getSuccessRate() > 0
          && latencyOf(x) > 0) {
        samples.add(latencyOf(x));
      }
    }
    if (!samples.isEmpty()) {
      double ms = median(samples) / 1000.0;
      reason
          .append(fmt(ms))
          .append(" ms median of ")
          .append(samples.size())
          .append(" measurement(s) from ")
          .append(anyRegion ? "all regions" : "region " + n.region());
      return ms;
    }
    boolean same = anyRegion || n.region().equals(m.getRegion());
    double ms = same ? weights.sameRegionDefaultMs() : weights.crossRegionDefaultMs();
    reason
        .append(fmt(ms))
        .append(" ms default for ")
        .append(same ? "the same region" : "another region")
        .append(" (no measurement yet)");
    return ms;
  }

  private double successRate(
      ClientNetwork n, Candidate target, List<Candidate> eligible, ClusterView view) {
    List<Double> rates = new ArrayList<>();
    for (Candidate peer : eligible) {
      if (peer == target || !(n.region().isEmpty() || peer.m().getRegion().equals(n.region()))) {
        continue;
      }
      for (Measurement x : peer.m().getPeersList()) {
        if (matches(x, target.m()) && fresh(x, view) && x.getSamples() > 0) {
          rates.add(x.getSuccessRate());
        }
      }
    }
    if (rates.isEmpty()) {
      return 1;
    }
    rates.sort(Double::compare);
    return rates.get(rates.size() / 2);
  }

  private boolean fresh(Measurement x, ClusterView view) {
    return view.nowMillis() - x.getMeasuredAtMillis() <= weights.measurementMaxAgeMs();
  }

  private static boolean matches(Measurement x, Member m) {
    return x.getTargetId().equals(m.getNodeId())
        && (x.getTargetRegion().isEmpty() || x.getTargetRegion().equals(m.getRegion()));
  }

  private static long latencyOf(Measurement x) {
    return x.getTtfbMicros() > 0 ? x.getTtfbMicros() : x.getConnectMicros();
  }

  private static double median(List<Long> values) {
    List<Long> v = new ArrayList<>(values);
    v.sort(Long::compare);
    int n = v.size();
    return n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2.0;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.2f", v);
  }

  private static URI parse(String url) {
    try {
      return URI.create(url);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static int port(URI uri) {
    if (uri == null) {
      return 0;
    }
    if (uri.getPort() > 0) {
      return uri.getPort();
    }
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }
}
