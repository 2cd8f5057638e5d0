package io.berth.platform.zk;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;

/**
 * The one way a Berth process builds its ZooKeeper client, so the node, the replicator and the
 * coordinator agree on the namespace and on how they retry (ADR 0019).
 */
public final class ZooKeeperClients {
  /** Every Berth znode lives under {@code /berth}. */
  public static final String NAMESPACE = "berth";

  private ZooKeeperClients() {}

  /**
   * A client for {@code connectString}, not started: namespace {@value #NAMESPACE}, the given
   * session timeout, a connection timeout of at most 5 s, and operations retried with bounded
   * exponential backoff (100 ms to 2 s, 10 times).
   */
  public static CuratorFramework newClient(String connectString, int sessionTimeoutMs) {
    if (sessionTimeoutMs <= 0) {
      throw new IllegalArgumentException(
          "the ZooKeeper session timeout must be positive, got " + sessionTimeoutMs + " ms");
    }
    return CuratorFrameworkFactory.builder()
        .connectString(connectString)
        .sessionTimeoutMs(sessionTimeoutMs)
        .connectionTimeoutMs(Math.min(sessionTimeoutMs, 5_000))
        .retryPolicy(new BoundedExponentialBackoffRetry(100, 2_000, 10))
        .namespace(NAMESPACE)
        .build();
  }
}
