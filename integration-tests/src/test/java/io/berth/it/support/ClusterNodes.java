package io.berth.it.support;

import io.berth.node.testsupport.NodeProcess;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Starts registry node processes that register in ZooKeeper for the coordinator. */
public final class ClusterNodes {
  private ClusterNodes() {}

  /**
   * A node {@code id} of {@code region} on loopback address {@code host}, registered in {@code
   * zookeeper}, with fast heartbeats and probes.
   *
   * @param advertiseUrl the URL to register (a delay proxy), or null for the node's own
   */
  public static NodeProcess start(
      Path dir,
      String id,
      String region,
      String host,
      String zookeeper,
      String advertiseUrl,
      Map<String, String> extraEnv)
      throws IOException, InterruptedException {
    Map<String, String> env = new HashMap<>();
    env.put("BERTH_NODE_ID", id);
    env.put("BERTH_NODE_REGION", region);
    env.put("BERTH_CLUSTER_ZOOKEEPER", zookeeper);
    env.put("BERTH_CLUSTER_SESSION_TIMEOUT_MS", "4000");
    env.put("BERTH_CLUSTER_HEARTBEAT_MS", "500");
    env.put("BERTH_CLUSTER_PROBE_INTERVAL_MS", "500");
    env.put("BERTH_GO_UPSTREAMS", "off");
    if (advertiseUrl != null) {
      env.put("BERTH_CLUSTER_ADVERTISE_URL", advertiseUrl);
    }
    env.putAll(extraEnv);
    return NodeProcess.start(dir.resolve(id), env, dir.resolve(id + ".log"), host);
  }
}
