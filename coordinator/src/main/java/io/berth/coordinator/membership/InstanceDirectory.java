package io.berth.coordinator.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.proto.coordinator.v1.CoordinatorInstance;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;

/**
 * This coordinator's own ephemeral record under {@link ZkPaths#INSTANCES} (re-created after a
 * session loss by Curator's {@link PersistentNode}) and the list of all instances, which nodes read
 * to measure their distance to the coordinators.
 */
public final class InstanceDirectory implements AutoCloseable {
  private final PersistentNode self;
  private final CuratorCache cache;

  public InstanceDirectory(CuratorFramework client, CoordinatorInstance me) {
    this.self =
        new PersistentNode(
            client,
            CreateMode.EPHEMERAL,
            false,
            ZkPaths.INSTANCES + "/" + me.getId(),
            me.toByteArray());
    this.cache = CuratorCache.build(client, ZkPaths.INSTANCES);
  }

  public InstanceDirectory start() {
    self.start();
    cache.start();
    return this;
  }

  /** The registered coordinator instances. */
  public List<CoordinatorInstance> instances() {
    List<CoordinatorInstance> out = new ArrayList<>();
    cache.stream()
        .filter(d -> d.getPath().startsWith(ZkPaths.INSTANCES + "/"))
        .map(ChildData::getData)
        .forEach(
            bytes -> {
              try {
                if (bytes != null && bytes.length > 0) {
                  out.add(CoordinatorInstance.parseFrom(bytes));
                }
              } catch (InvalidProtocolBufferException e) {
                // skip an unreadable record
              }
            });
    return out;
  }

  @Override
  public void close() throws Exception {
    cache.close();
    self.close();
  }
}
