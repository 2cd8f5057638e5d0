package io.berth.replicator.link;

import io.berth.platform.zk.LeaderElection;
import io.berth.replicator.bucket.TargetBucket;
import io.berth.replicator.config.ReplicatorConfig;
import io.berth.replicator.consume.SourceLog;
import io.berth.replicator.region.RegionClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;

/**
 * One configured link on this instance: its ownership election, its worker and its state.
 *
 * <p>The link's owner is the leader of the {@link LeaderElection} under {@code
 * /replication/links/<source>/<target>} (DESIGN.md invariant 6). A term that ends within seconds
 * (the target refused it, or it failed at once) is followed by a growing pause before competing
 * again, so a persistent failure cannot spin; the term's epoch goes on every write to the target.
 */
public final class Link implements AutoCloseable {
  private final ReplicatorConfig.LinkSection config;
  private final LinkState state;
  private final LeaderElection ownership;

  public Link(
      ReplicatorConfig.LinkSection config,
      CuratorFramework zk,
      String instanceId,
      RegionClient source,
      RegionClient target,
      TargetBucket targetBucket,
      Supplier<SourceLog> logs,
      MeterRegistry metrics) {
    this.config = config;
    this.state =
        new LinkState(
            config.id(),
            instanceId,
            metrics,
            new DeadLetters(
                config.deadLetterKeep(),
                new ZooKeeperDeadLetters(
                    zk, config.source(), config.target(), config.deadLetterKeep())));
    this.ownership =
        new LeaderElection(
            zk,
            linkPath(config.source(), config.target()),
            instanceId,
            LeaderElection.Requeue.AFTER_BACKOFF,
            new LinkWorker(config, logs, source, target, targetBucket, state));
  }

  /**
   * The ZooKeeper path of the link {@code source -> target}: its ownership election and epoch, and
   * its dead letters below it.
   */
  public static String linkPath(String source, String target) {
    return "/replication/links/" + source + "/" + target;
  }

  public Link start() {
    ownership.start();
    return this;
  }

  public String id() {
    return config.id();
  }

  public boolean isOwner() {
    return ownership.isLeader();
  }

  public LinkState state() {
    return state;
  }

  /** The link's state with the current owner as ZooKeeper sees it. */
  public Map<String, Object> snapshot() {
    Map<String, Object> m = state.snapshot();
    if (!ownership.isLeader()) {
      m.put("owner", false);
      m.put("ownerId", ownership.currentLeader());
    }
    m.put("mode", config.mode());
    return m;
  }

  @Override
  public void close() {
    ownership.close();
  }
}
