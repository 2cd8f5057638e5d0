package io.berth.coordinator.routing;

import io.berth.proto.coordinator.v1.NetworkRoute;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A published routing table prepared for lookups: the client network of an address or subnet, by
 * the CIDRs the table carries (so every coordinator maps clients the same way). Immutable.
 */
public final class TableIndex {
  private final RoutingTable table;
  private final NetworkMap<NetworkRoute> networks;

  public TableIndex(RoutingTable table) {
    this.table = table;
    Map<NetworkRoute, List<Cidr>> cidrs = new LinkedHashMap<>();
    for (NetworkRoute r : table.getNetworksList()) {
      List<Cidr> list = new ArrayList<>();
      for (String c : r.getCidrsList()) {
        try {
          list.add(Cidr.parse(c));
        } catch (IllegalArgumentException e) {
          // a table is written by a checked leader config; skip what this version cannot read
        }
      }
      cidrs.put(r, list);
    }
    this.networks = new NetworkMap<>(cidrs);
  }

  public RoutingTable table() {
    return table;
  }

  /** The route for a client address: its network's, else the fallback. */
  public NetworkRoute routeFor(InetAddress client) {
    return networks.lookup(client).orElse(table.getFallback());
  }

  /** The route for a client subnet (EDNS Client Subnet or the API's {@code subnet}). */
  public NetworkRoute routeFor(InetAddress subnetAddress, int prefix) {
    return networks.lookup(subnetAddress, prefix).orElse(table.getFallback());
  }

  /** The prefix length of the CIDR that maps {@code client} (0 for the fallback). */
  public int matchedPrefix(InetAddress client) {
    return networks.matchedPrefix(client);
  }
}
