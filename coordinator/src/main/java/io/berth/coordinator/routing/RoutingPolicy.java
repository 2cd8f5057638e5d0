package io.berth.coordinator.routing;

import io.berth.proto.coordinator.v1.RoutingTable;

/**
 * Turns what the coordinator knows about the cluster into a routing table: for each client network
 * (and the fallback for clients in none), the healthy nodes ranked best first.
 *
 * <p>Contract (checked by {@code RoutingPolicyContract}):
 *
 * <ul>
 *   <li>Pure: the same view gives the same table; no I/O, no clock other than {@link
 *       ClusterView#nowMillis()}.
 *   <li>Every configured network appears once, in configuration order, with its region and CIDRs;
 *       the fallback is always set (network name {@code default}).
 *   <li>A node that is stale, reports itself unhealthy or failed the coordinator's health probe is
 *       in no ranking and is listed in {@code excluded} with the reason. Every other node appears
 *       exactly once in every ranking.
 *   <li>Rankings are sorted by ascending score; each entry has a non-negative estimated latency, a
 *       non-empty reason, and the addresses and port taken from its URL.
 *   <li>The epoch, version and leader id are left 0/empty: the publisher sets them.
 * </ul>
 */
public interface RoutingPolicy {
  RoutingTable compute(ClusterView view);
}
