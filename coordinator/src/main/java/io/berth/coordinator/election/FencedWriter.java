package io.berth.coordinator.election;

import io.berth.platform.zk.LeaderElection;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Leader-only writes: each is one ZooKeeper transaction that checks the epoch znode still has the
 * version its term wrote, so a write from a term that another leader has since replaced fails as a
 * whole.
 */
public final class FencedWriter {
  private final CuratorFramework client;
  private final String epochPath;

  public FencedWriter(CuratorFramework client, String epochPath) {
    this.client = client;
    this.epochPath = epochPath;
  }

  /**
   * Writes {@code data} to {@code path} (created if missing) if {@code term} is still current.
   *
   * @throws StaleLeaderException if another term has begun (nothing was written)
   * @throws Exception for ZooKeeper errors (connection loss and the like)
   */
  public void write(LeaderElection.Term term, String path, byte[] data) throws Exception {
    if (!term.valid()) {
      throw new StaleLeaderException(term.epoch(), null);
    }
    if (client.checkExists().forPath(path) == null) {
      try {
        client
            .create()
            .creatingParentsIfNeeded()
            .withMode(CreateMode.PERSISTENT)
            .forPath(path, new byte[0]);
      } catch (KeeperException.NodeExistsException raced) {
        // fine: the transaction below sets it
      }
    }
    try {
      client
          .transaction()
          .forOperations(
              client.transactionOp().check().withVersion(term.epochVersion()).forPath(epochPath),
              client.transactionOp().setData().forPath(path, data));
    } catch (KeeperException.BadVersionException | KeeperException.NoNodeException e) {
      throw new StaleLeaderException(term.epoch(), e);
    }
  }
}
