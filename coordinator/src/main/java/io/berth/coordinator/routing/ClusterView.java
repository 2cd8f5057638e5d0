package io.berth.coordinator.routing;

import io.berth.proto.coordinator.v1.CoordinatorInstance;
import io.berth.proto.coordinator.v1.Member;
import io.berth.proto.coordinator.v1.NetworkMeasurement;
import java.util.List;

/**
 * Everything a {@link RoutingPolicy} may use, taken at one instant.
 *
 * @param nowMillis the coordinator's wall clock
 * @param members the registered nodes with what this coordinator observed of them
 * @param coordinators the registered coordinator instances
 * @param clientMeasurements client reports still within their TTL, attributed to networks
 * @param networks the configured client networks, in configuration order
 * @param fallbackRegion the region of clients in no network ("" for none)
 */
public record ClusterView(
    long nowMillis,
    List<ObservedMember> members,
    List<CoordinatorInstance> coordinators,
    List<NetworkMeasurement> clientMeasurements,
    List<ClientNetwork> networks,
    String fallbackRegion) {

  public ClusterView {
    members = List.copyOf(members);
    coordinators = List.copyOf(coordinators);
    clientMeasurements = List.copyOf(clientMeasurements);
    networks = List.copyOf(networks);
    fallbackRegion = fallbackRegion == null ? "" : fallbackRegion;
  }

  /** A configured client network. */
  public record ClientNetwork(String name, String region, List<Cidr> cidrs) {
    public ClientNetwork {
      cidrs = List.copyOf(cidrs);
    }
  }

  /**
   * A registered node as this coordinator sees it.
   *
   * @param record the node's latest membership record
   * @param ageMillis how long ago this coordinator last saw the record change (heartbeat age)
   * @param probe the coordinator's own health probe of the node, or null if none ran yet
   * @param addresses IP literals of the URL host (resolved by the membership layer)
   */
  public record ObservedMember(
      Member record, long ageMillis, HealthProbe probe, List<String> addresses) {
    public ObservedMember {
      addresses = List.copyOf(addresses);
    }
  }

  /**
   * The outcome of the coordinator's latest {@code GET /healthz} of a node.
   *
   * @param ok whether it answered 200 in time
   * @param detail why not (empty when ok)
   * @param ttfbMicros time to first byte when ok
   * @param fromRegion the coordinator's region ("" if unknown)
   */
  public record HealthProbe(boolean ok, String detail, long ttfbMicros, String fromRegion) {}
}
