package io.berth.coordinator.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.coordinator.routing.Cidr;
import io.berth.proto.coordinator.v1.Member;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registered nodes, watched under {@link ZkPaths#MEMBERS}{@code /<region>/<node>}. Records the
 * local time each record last changed: nodes rewrite theirs every heartbeat, so the age measures
 * heartbeat silence on this coordinator's clock (no cross-machine clock comparison).
 */
public final class MemberDirectory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MemberDirectory.class);

  /** A member as last seen. */
  public record Entry(Member record, long seenNanos, List<String> addresses) {}

  private final CuratorCache cache;
  private final Map<String, Entry> members = new ConcurrentHashMap<>();
  private final Runnable onChange;

  /** Watches the members; {@code onChange} runs after each join, leave or health change. */
  public MemberDirectory(CuratorFramework client, Runnable onChange) {
    this.onChange = onChange;
    this.cache = CuratorCache.build(client, ZkPaths.MEMBERS);
    cache
        .listenable()
        .addListener(
            CuratorCacheListener.builder()
                .forCreatesAndChanges((old, now) -> update(now))
                .forDeletes(this::remove)
                .build());
  }

  public MemberDirectory start() {
    cache.start();
    return this;
  }

  private void update(ChildData data) {
    String path = data.getPath();
    String rel = path.substring(Math.min(path.length(), ZkPaths.MEMBERS.length()));
    if (rel.chars().filter(c -> c == '/').count() != 2 || data.getData() == null) {
      return;
    }
    Member m;
    try {
      m = Member.parseFrom(data.getData());
    } catch (InvalidProtocolBufferException e) {
      log.warn("ignoring unreadable member record {}", path);
      return;
    }
    Entry old = members.get(path);
    List<String> addresses =
        old != null && old.record().getUrl().equals(m.getUrl())
            ? old.addresses()
            : addressesOf(m.getUrl());
    members.put(path, new Entry(m, System.nanoTime(), addresses));
    if (old == null
        || old.record().getHealthy() != m.getHealthy()
        || !old.record().getUrl().equals(m.getUrl())) {
      onChange.run();
    }
  }

  private void remove(ChildData data) {
    if (members.remove(data.getPath()) != null) {
      onChange.run();
    }
  }

  /** The IP literals of a URL's host: the literal itself, else a lookup (empty on failure). */
  static List<String> addressesOf(String url) {
    try {
      String host = URI.create(url).getHost();
      if (host == null) {
        return List.of();
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      }
      if (Cidr.parseLiteral(host) != null) {
        return List.of(Cidr.address(host).getHostAddress());
      }
      List<String> out = new ArrayList<>();
      for (InetAddress a : InetAddress.getAllByName(host)) {
        out.add(a.getHostAddress());
      }
      return out;
    } catch (IllegalArgumentException | UnknownHostException e) {
      return List.of();
    }
  }

  /** The current members. */
  public List<Entry> snapshot() {
    return List.copyOf(members.values());
  }

  @Override
  public void close() {
    cache.close();
  }
}
