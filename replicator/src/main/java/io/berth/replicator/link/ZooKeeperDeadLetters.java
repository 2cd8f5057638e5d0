package io.berth.replicator.link;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a link's dead-letter list in ZooKeeper ({@code /replication/links/<source>/<target>/
 * dead-letters}, one persistent sequential node per entry, JSON), so every replicator instance
 * sharing the link shows the same list, and it survives restarts and failovers. The sequence number
 * of the newest node is the total count; only the newest {@code keep} nodes are kept.
 */
public final class ZooKeeperDeadLetters implements DeadLetters.Journal {
  private static final Logger log = LoggerFactory.getLogger(ZooKeeperDeadLetters.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "e-";

  private final CuratorFramework zk;
  private final String path;
  private final int keep;

  public ZooKeeperDeadLetters(CuratorFramework zk, String source, String target, int keep) {
    this.zk = zk;
    this.path = Link.linkPath(source, target) + "/dead-letters";
    this.keep = keep;
  }

  @Override
  public void append(DeadLetters.Entry e) throws Exception {
    zk.create()
        .creatingParentsIfNeeded()
        .withMode(CreateMode.PERSISTENT_SEQUENTIAL)
        .forPath(path + "/" + PREFIX, JSON.writeValueAsBytes(e));
    List<String> children = sorted();
    for (int i = 0; i < children.size() - keep; i++) {
      try {
        zk.delete().forPath(path + "/" + children.get(i));
      } catch (KeeperException.NoNodeException gone) {
        // another instance trimmed it
      }
    }
  }

  @Override
  public DeadLetters.Loaded load() throws Exception {
    List<String> children;
    try {
      children = sorted();
    } catch (KeeperException.NoNodeException none) {
      return new DeadLetters.Loaded(0, List.of());
    }
    if (children.isEmpty()) {
      return new DeadLetters.Loaded(0, List.of());
    }
    long count = Long.parseLong(children.get(children.size() - 1).substring(PREFIX.length())) + 1;
    List<DeadLetters.Entry> entries = new ArrayList<>();
    for (String c : children.subList(Math.max(0, children.size() - keep), children.size())) {
      try {
        entries.add(JSON.readValue(zk.getData().forPath(path + "/" + c), DeadLetters.Entry.class));
      } catch (KeeperException.NoNodeException gone) {
        // trimmed meanwhile
      } catch (java.io.IOException bad) {
        log.warn("{}/{}: unreadable dead-letter entry skipped: {}", path, c, bad.getMessage());
      }
    }
    return new DeadLetters.Loaded(count, entries);
  }

  private List<String> sorted() throws Exception {
    List<String> children = new ArrayList<>(zk.getChildren().forPath(path));
    children.removeIf(c -> !c.startsWith(PREFIX));
    children.sort(null);
    return children;
  }
}
