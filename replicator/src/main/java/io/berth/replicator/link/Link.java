package io.berth.replicator.link;

import io.berth.replicator.bucket.TargetBucket;
import io.berth.replicator.config.ReplicatorConfig;
import io.berth.replicator.consume.SourceLog;
import io.berth.replicator.region.RegionClient;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.curator.framework.CuratorFramework;

/** One configured link on this instance: its ownership election, its worker and its state. */
public final class Link implements AutoCloseable {
  private final ReplicatorConfig.LinkSection config;
  private final LinkState state;
  private final LinkOwnership ownership;

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
        new LinkOwnership(
            zk,
            config.source(),
            config.target(),
            instanceId,
            new LinkWorker(config, logs, source, target, targetBucket, state));
  }

  public Link start() {
    ownership.start();
    return this;
  }

  public String id() {
    return config.id();
  }

  public boolean isOwner() {
    return ownership.isOwner();
  }

  public LinkState state() {
    return state;
  }

  /** The link's state with the current owner as ZooKeeper sees it. */
  public Map<String, Object> snapshot() {
    Map<String, Object> m = state.snapshot();
    if (!ownership.isOwner()) {
      m.put("owner", false);
      m.put("ownerId", ownership.currentOwner());
    }
    m.put("mode", config.mode());
    return m;
  }

  @Override
  public void close() {
    ownership.close();
  }
}
