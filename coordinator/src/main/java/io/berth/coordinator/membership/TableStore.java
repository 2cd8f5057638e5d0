package io.berth.coordinator.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.coordinator.routing.TableIndex;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing table every coordinator answers from: watched at {@link ZkPaths#TABLE}, and set
 * directly by the leader after each fenced publication. Never goes back to an older table: a table
 * replaces the current one only with a higher {@code (epoch, version)}. Keeps answering from the
 * last table while ZooKeeper or the leader is away.
 */
public final class TableStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TableStore.class);

  private final CuratorCache cache;
  private final AtomicReference<TableIndex> current = new AtomicReference<>();
  private final Consumer<TableIndex> onNewTable;

  public TableStore(CuratorFramework client, Consumer<TableIndex> onNewTable) {
    this.onNewTable = onNewTable;
    this.cache =
        client == null
            ? null
            : CuratorCache.build(client, ZkPaths.TABLE, CuratorCache.Options.SINGLE_NODE_CACHE);
    if (cache != null) {
      cache
          .listenable()
          .addListener(
              CuratorCacheListener.builder().forCreatesAndChanges((o, n) -> read(n)).build());
    }
  }

  public TableStore start() {
    if (cache != null) {
      cache.start();
    }
    return this;
  }

  private void read(ChildData data) {
    if (data.getData() == null || data.getData().length == 0) {
      return;
    }
    try {
      offer(RoutingTable.parseFrom(data.getData()));
    } catch (InvalidProtocolBufferException e) {
      log.warn("ignoring unreadable routing table");
    }
  }

  /** Makes {@code table} current if it is newer than the current one; returns whether it did. */
  public synchronized boolean offer(RoutingTable table) {
    TableIndex now = current.get();
    if (now != null && !newer(table, now.table())) {
      return false;
    }
    TableIndex next = new TableIndex(table);
    onNewTable.accept(next);
    current.set(next);
    return true;
  }

  static boolean newer(RoutingTable a, RoutingTable b) {
    return a.getEpoch() != b.getEpoch()
        ? a.getEpoch() > b.getEpoch()
        : a.getVersion() > b.getVersion();
  }

  /** The current table, or null before the first one. */
  public TableIndex current() {
    return current.get();
  }

  @Override
  public void close() {
    if (cache != null) {
      cache.close();
    }
  }
}
