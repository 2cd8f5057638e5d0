package io.berth.node.testsupport;

import io.berth.node.config.NodeConfig;
import java.nio.file.Path;

/**
 * Configurations of the nodes of one region for tests: one shared blob directory (like a region's
 * bucket), each node its own index, one Kafka topic.
 */
public final class RegionNodes {
  private RegionNodes() {}

  /** Change-log settings for a single test broker (3 partitions, replication 1). */
  public static NodeConfig.EventsSection events(
      String bootstrap,
      String topic,
      long relayDelayMillis,
      long applyDelayMillis,
      long rywMillis) {
    return events(bootstrap, topic, relayDelayMillis, applyDelayMillis, rywMillis, null);
  }

  /** The same, with {@code events.readyWithoutLogAfterSeconds} (null: its default). */
  public static NodeConfig.EventsSection events(
      String bootstrap,
      String topic,
      long relayDelayMillis,
      long applyDelayMillis,
      long rywMillis,
      Long readyWithoutLogAfterSeconds) {
    return new NodeConfig.EventsSection(
        bootstrap,
        topic,
        true,
        3,
        (short) 1,
        1,
        24L,
        relayDelayMillis,
        null,
        null,
        rywMillis,
        null,
        applyDelayMillis,
        null,
        readyWithoutLogAfterSeconds);
  }

  /** A node {@code id} of {@code region} with its data under {@code tmp/id}. */
  public static NodeConfig config(
      Path tmp, String id, String region, Path sharedBlobs, NodeConfig.EventsSection events) {
    NodeConfig c = TestNodes.config(tmp.resolve(id));
    return new NodeConfig(
        new NodeConfig.NodeSection(id, region),
        c.http(),
        new NodeConfig.StorageSection("file", tmp.resolve(id).toString(), sharedBlobs.toString()),
        c.go(),
        c.sumdb(),
        c.oci(),
        c.cluster(),
        events);
  }
}
