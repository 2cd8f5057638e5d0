package io.berth.coordinator.membership;

/**
 * The coordinator's znodes, under the namespace shared with the nodes ({@code
 * io.berth.platform.zk.ZooKeeperClients#NAMESPACE}). Nodes write {@link #MEMBERS}{@code
 * /<region>/<node id>} (see {@code coordinator.proto}); the node side keeps its own copy of these
 * paths, since the modules do not depend on each other.
 */
public final class ZkPaths {
  public static final String MEMBERS = "/coordinator/members";
  public static final String INSTANCES = "/coordinator/instances";
  public static final String REPORTS = "/coordinator/reports";
  public static final String TABLE = "/coordinator/table";
  public static final String LEADER = "/coordinator/leader";

  private ZkPaths() {}
}
