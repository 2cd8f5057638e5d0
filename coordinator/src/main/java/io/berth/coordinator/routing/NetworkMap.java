package io.berth.coordinator.routing;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps a client address to the configured client network that contains it: the longest matching
 * prefix wins; equal prefixes go to the network listed first. Immutable and thread-safe.
 */
public final class NetworkMap<T> {
  private record Entry<T>(Cidr cidr, T network, int order) {}

  private final List<Entry<T>> entries;

  /** A map from each network's CIDRs to the network, in the iteration order of {@code cidrs}. */
  public NetworkMap(Map<T, List<Cidr>> cidrs) {
    List<Entry<T>> list = new ArrayList<>();
    int order = 0;
    for (Map.Entry<T, List<Cidr>> e : cidrs.entrySet()) {
      for (Cidr c : e.getValue()) {
        list.add(new Entry<>(c, e.getKey(), order++));
      }
    }
    list.sort(
        Comparator.comparingInt((Entry<T> x) -> -x.cidr().prefixLength())
            .thenComparingInt(Entry::order));
    this.entries = List.copyOf(list);
  }

  /** The network containing {@code address}, or empty if none does. */
  public Optional<T> lookup(InetAddress address) {
    for (Entry<T> e : entries) {
      if (e.cidr().contains(address)) {
        return Optional.of(e.network());
      }
    }
    return Optional.empty();
  }

  /**
   * The network for a client subnet (EDNS Client Subnet): the network containing the subnet's
   * address whose CIDR is no more specific than the subnet, else the longest match of the address.
   */
  public Optional<T> lookup(InetAddress subnetAddress, int subnetPrefix) {
    for (Entry<T> e : entries) {
      if (e.cidr().prefixLength() <= subnetPrefix && e.cidr().contains(subnetAddress)) {
        return Optional.of(e.network());
      }
    }
    return lookup(subnetAddress);
  }

  /** The prefix length of the CIDR that matched {@code address} (for the ECS scope), or 0. */
  public int matchedPrefix(InetAddress address) {
    for (Entry<T> e : entries) {
      if (e.cidr().contains(address)) {
        return e.cidr().prefixLength();
      }
    }
    return 0;
  }
}
