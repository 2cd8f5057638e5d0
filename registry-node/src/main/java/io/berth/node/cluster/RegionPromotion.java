package io.berth.node.cluster;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.data.Stat;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The promotion of a DR replica region, recorded in ZooKeeper at {@code
 * /berth/regions/<region>/role} as JSON {@code {"role","failover","at","by"}}.
 *
 * <p>Contract: {@link #promote} succeeds once per failover: it creates the znode (failover 1), or
 * moves it from {@code replica} to {@code promoted} with a versioned write (failover + 1), so of
 * two concurrent promotions exactly one wins; promoting a promoted region fails with a {@link
 * PromotionException} naming when and by whom it was promoted. {@link #demote} returns a promoted
 * region to {@code replica}, which opens the next failover. Nodes of the region watch the znode
 * ({@link #start}); a node in replica mode accepts client writes while {@link #promoted()} is true.
 */
public final class RegionPromotion implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RegionPromotion.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The recorded role of a region. */
  public record Role(String role, long failover, String at, String by) {
    public boolean promoted() {
      return "promoted".equals(role);
    }
  }

  private final CuratorFramework client;
  private final String region;
  private CuratorCache cache;
  private volatile Role current;

  /** A watcher of {@code region}'s role. */
  public RegionPromotion(ZooKeeperSession session, String region) {
    this.client = session.client();
    this.region = region;
  }

  static String path(String region) {
    return "/regions/" + region + "/role";
  }

  /** Starts watching; the role is known shortly after the session connects. */
  public synchronized RegionPromotion start() {
    cache = CuratorCache.build(client, path(region), CuratorCache.Options.SINGLE_NODE_CACHE);
    cache
        .listenable()
        .addListener(
            (type, oldData, data) -> {
              Role r =
                  data == null
                          || type
                              == org.apache.curator.framework.recipes.cache.CuratorCacheListener
                                  .Type.NODE_DELETED
                      ? null
                      : parse(data);
              current = r;
              log.info(
                  "region {} role is now {}",
                  region,
                  r == null
                      ? "replica (never promoted)"
                      : r.role() + " (failover " + r.failover() + ")");
            });
    cache.start();
    return this;
  }

  /** Whether the region is currently promoted, as last seen. */
  public boolean promoted() {
    Role r = current;
    return r != null && r.promoted();
  }

  /** The role as last seen, or empty if never promoted. */
  public Optional<Role> current() {
    return Optional.ofNullable(current);
  }

  private static Role parse(ChildData d) {
    try {
      return JSON.readValue(d.getData(), Role.class);
    } catch (IOException e) {
      log.error("unreadable role znode {}: {}", d.getPath(), e.toString());
      return null;
    }
  }

  /**
   * Reads a region's recorded role.
   *
   * @return empty if the region was never promoted
   */
  public static Optional<Role> read(CuratorFramework client, String region) throws Exception {
    try {
      return Optional.of(JSON.readValue(client.getData().forPath(path(region)), Role.class));
    } catch (KeeperException.NoNodeException e) {
      return Optional.empty();
    }
  }

  /**
   * Promotes {@code region}, once per failover.
   *
   * @param by who promotes (shown to later callers)
   * @return the new role
   * @throws PromotionException if the region is already promoted, or another promotion won
   */
  public static Role promote(CuratorFramework client, String region, String by) throws Exception {
    String path = path(region);
    Stat stat = new Stat();
    byte[] raw;
    try {
      raw = client.getData().storingStatIn(stat).forPath(path);
    } catch (KeeperException.NoNodeException e) {
      raw = null;
    }
    if (raw == null) {
      Role role = new Role("promoted", 1, Instant.now().toString(), by);
      try {
        client
            .create()
            .creatingParentsIfNeeded()
            .withMode(CreateMode.PERSISTENT)
            .forPath(path, JSON.writeValueAsBytes(role));
        return role;
      } catch (KeeperException.NodeExistsException raced) {
        throw already(region, read(client, region).orElse(null));
      }
    }
    Role now = JSON.readValue(raw, Role.class);
    if (now.promoted()) {
      throw already(region, now);
    }
    Role role = new Role("promoted", now.failover() + 1, Instant.now().toString(), by);
    try {
      client.setData().withVersion(stat.getVersion()).forPath(path, JSON.writeValueAsBytes(role));
      return role;
    } catch (KeeperException.BadVersionException raced) {
      throw already(region, read(client, region).orElse(null));
    }
  }

  /**
   * Returns a promoted {@code region} to replica (read-only), opening the next failover.
   *
   * @throws PromotionException if the region is not promoted
   */
  public static Role demote(CuratorFramework client, String region, String by) throws Exception {
    String path = path(region);
    Stat stat = new Stat();
    Role now;
    try {
      now = JSON.readValue(client.getData().storingStatIn(stat).forPath(path), Role.class);
    } catch (KeeperException.NoNodeException e) {
      now = null;
    }
    if (now == null || !now.promoted()) {
      throw new PromotionException(
          region, "region " + region + " is not promoted; there is nothing to demote");
    }
    Role role = new Role("replica", now.failover(), Instant.now().toString(), by);
    try {
      client.setData().withVersion(stat.getVersion()).forPath(path, JSON.writeValueAsBytes(role));
      return role;
    } catch (KeeperException.BadVersionException raced) {
      throw new PromotionException(
          region, "the role of region " + region + " changed meanwhile; check it and retry");
    }
  }

  private static PromotionException already(String region, Role r) {
    return new PromotionException(
        region,
        "region "
            + region
            + " is already promoted"
            + (r == null
                ? ""
                : " (failover " + r.failover() + ", at " + r.at() + " by " + r.by() + ")")
            + "; a region is promoted once per failover. To make it a replica again run"
            + " `berth demote --region "
            + region
            + "`");
  }

  @Override
  public synchronized void close() {
    if (cache != null) {
      cache.close();
      cache = null;
    }
  }
}
