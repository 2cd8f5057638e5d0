package io.berth.node.cluster;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.proto.coordinator.v1.CoordinatorInstance;
import io.berth.proto.coordinator.v1.Measurement;
import io.berth.proto.coordinator.v1.Member;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the node for the coordinator: an ephemeral znode {@code
 * /berth/coordinator/members/<region>/<node id>} holding a {@code Member} record (region, id,
 * advertised URL, health, load, change-log position), rewritten every heartbeat and re-created by
 * Curator after a session loss. It also times {@code GET /healthz} of every other registered node
 * and every coordinator (connect and time to first byte; throughput on {@code /metrics} now and
 * then) and publishes the medians of the recent tries with the record. A killed process's znode
 * goes with its session; the coordinator also drops a record that stops changing.
 */
public final class MembershipAgent implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MembershipAgent.class);
  static final String MEMBERS = "/coordinator/members";
  static final String INSTANCES = "/coordinator/instances";
  private static final int WINDOW = 5;
  private static final int THROUGHPUT_EVERY = 15;

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  /** What the node tells about itself at each heartbeat. */
  public record Self(
      String region,
      String nodeId,
      String url,
      Supplier<String> healthProblem,
      LongSupplier lastSeq,
      LongSupplier publishedSeq,
      LongSupplier appliedHlcMillis,
      BooleanSupplier caughtUp,
      List<String> privatePatterns) {}

  private record Target(String id, String region, String url) {}

  private record Sample(PeerTiming.Result result, long throughput) {}

  private final Self self;
  private final long heartbeatMs;
  private final long probeIntervalMs;
  private final int probeTimeoutMs;
  private final PersistentNode node;
  private final CuratorCache members;
  private final CuratorCache instances;
  private final Map<String, ArrayDeque<Sample>> samples = new ConcurrentHashMap<>();
  private final Map<String, Target> lastTargets = new ConcurrentHashMap<>();
  private final long startedMillis = System.currentTimeMillis();
  private final ScheduledExecutorService timers =
      Executors.newScheduledThreadPool(
          2,
          r -> {
            Thread t = new Thread(r, "berth-membership");
            t.setDaemon(true);
            return t;
          });
  private volatile State state = State.NEW;
  private long rounds;

  public MembershipAgent(
      ZooKeeperSession session,
      Self self,
      long heartbeatMs,
      long probeIntervalMs,
      long probeTimeoutMs) {
    this.self = self;
    this.heartbeatMs = heartbeatMs;
    this.probeIntervalMs = probeIntervalMs;
    this.probeTimeoutMs = (int) probeTimeoutMs;
    this.node =
        new PersistentNode(
            session.client(), CreateMode.EPHEMERAL, false, path(), record().toByteArray());
    this.members = CuratorCache.build(session.client(), MEMBERS);
    this.instances = CuratorCache.build(session.client(), INSTANCES);
  }

  /** The znode of this node's record (within the {@code /berth} namespace). */
  public String path() {
    return MEMBERS + "/" + self.region() + "/" + self.nodeId();
  }

  public synchronized MembershipAgent start() {
    if (state != State.NEW) {
      throw new IllegalStateException("membership is " + state);
    }
    state = State.RUNNING;
    node.start();
    members.start();
    instances.start();
    timers.scheduleWithFixedDelay(this::heartbeat, heartbeatMs, heartbeatMs, TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(this::probeRound, 200, probeIntervalMs, TimeUnit.MILLISECONDS);
    log.info("registered as {} ({})", path(), self.url());
    return this;
  }

  private void heartbeat() {
    try {
      node.setData(record().toByteArray());
    } catch (Exception e) {
      log.debug("membership heartbeat not written: {}", e.toString());
    }
  }

  /** The record as of now. */
  Member record() {
    String problem;
    try {
      problem = self.healthProblem().get();
    } catch (RuntimeException e) {
      problem = e.toString();
    }
    Member.Builder b =
        Member.newBuilder()
            .setSchema(1)
            .setRegion(self.region())
            .setNodeId(self.nodeId())
            .setUrl(self.url())
            .setHealthy(problem == null)
            .setHealthDetail(problem == null ? "" : problem)
            .setLoad(load())
            .setLastSeq(self.lastSeq().getAsLong())
            .setPublishedSeq(self.publishedSeq().getAsLong())
            .setAppliedHlcMillis(self.appliedHlcMillis().getAsLong())
            .setCaughtUp(self.caughtUp().getAsBoolean())
            .setHeartbeatMillis(System.currentTimeMillis())
            .setStartedMillis(startedMillis)
            .addAllPrivatePatterns(self.privatePatterns());
    b.addAllPeers(measurements());
    return b.build();
  }

  private static double load() {
    double avg = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    int cpus = Runtime.getRuntime().availableProcessors();
    if (avg < 0 || cpus <= 0) {
      return 0;
    }
    return Math.min(1.0, avg / cpus);
  }

  private List<Target> targets() {
    List<Target> out = new ArrayList<>();
    members.stream()
        .filter(d -> depth(d.getPath(), MEMBERS) == 2 && d.getData() != null)
        .forEach(
            d -> {
              try {
                Member m = Member.parseFrom(d.getData());
                if (!(m.getNodeId().equals(self.nodeId()) && m.getRegion().equals(self.region()))) {
                  out.add(new Target(m.getNodeId(), m.getRegion(), m.getUrl()));
                }
              } catch (InvalidProtocolBufferException e) {
                // skip
              }
            });
    instances.stream()
        .filter(d -> depth(d.getPath(), INSTANCES) == 1 && d.getData() != null)
        .forEach(
            d -> {
              try {
                CoordinatorInstance c = CoordinatorInstance.parseFrom(d.getData());
                if (!c.getHttpUrl().isEmpty()) {
                  out.add(new Target("coordinator:" + c.getId(), c.getRegion(), c.getHttpUrl()));
                }
              } catch (InvalidProtocolBufferException e) {
                // skip
              }
            });
    return out;
  }

  private static long depth(String path, String base) {
    if (!path.startsWith(base + "/")) {
      return 0;
    }
    return path.substring(base.length()).chars().filter(c -> c == '/').count();
  }

  private void probeRound() {
    try {
      rounds++;
      boolean throughput = rounds % THROUGHPUT_EVERY == 1;
      Map<String, Target> now = new HashMap<>();
      for (Target t : targets()) {
        String key = t.region() + "/" + t.id() + "@" + t.url();
        now.put(key, t);
        URI base = URI.create(t.url().endsWith("/") ? t.url() : t.url() + "/");
        PeerTiming.Result r = PeerTiming.get(base.resolve("healthz"), probeTimeoutMs);
        long tput = 0;
        if (throughput && r.ok() && !t.id().startsWith("coordinator:")) {
          PeerTiming.Result big = PeerTiming.get(base.resolve("metrics"), probeTimeoutMs);
          long transfer = big.totalMicros() - big.ttfbMicros();
          tput = big.ok() && transfer > 0 ? big.bytes() * 1_000_000L / transfer : 0;
        }
        ArrayDeque<Sample> q = samples.computeIfAbsent(key, k -> new ArrayDeque<>());
        synchronized (q) {
          q.addLast(new Sample(r, tput));
          while (q.size() > WINDOW) {
            q.removeFirst();
          }
        }
      }
      samples.keySet().retainAll(now.keySet());
      lastTargets.clear();
      lastTargets.putAll(now);
    } catch (RuntimeException e) {
      log.debug("peer probe round failed: {}", e.toString());
    }
  }

  private List<Measurement> measurements() {
    List<Measurement> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    for (Map.Entry<String, Target> e : lastTargets.entrySet()) {
      ArrayDeque<Sample> q = samples.get(e.getKey());
      if (q == null) {
        continue;
      }
      List<Long> connect = new ArrayList<>();
      List<Long> ttfb = new ArrayList<>();
      List<Long> total = new ArrayList<>();
      long tput = 0;
      int n;
      synchronized (q) {
        n = q.size();
        for (Sample s : q) {
          if (s.result().ok()) {
            connect.add(s.result().connectMicros());
            ttfb.add(s.result().ttfbMicros());
            total.add(s.result().totalMicros());
          }
          tput = Math.max(tput, s.throughput());
        }
      }
      if (n == 0) {
        continue;
      }
      Target t = e.getValue();
      out.add(
          Measurement.newBuilder()
              .setTargetId(t.id())
              .setTargetRegion(t.region())
              .setTargetUrl(t.url())
              .setConnectMicros(median(connect))
              .setTtfbMicros(median(ttfb))
              .setTotalMicros(median(total))
              .setThroughputBytesPerSec(tput)
              .setSuccessRate((double) ttfb.size() / n)
              .setSamples(n)
              .setMeasuredAtMillis(now)
              .build());
    }
    return out;
  }

  private static long median(List<Long> v) {
    if (v.isEmpty()) {
      return 0;
    }
    v.sort(Long::compare);
    return v.get(v.size() / 2);
  }

  public State state() {
    return state;
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    boolean started = state == State.RUNNING;
    state = State.CLOSED;
    timers.shutdownNow();
    if (started) {
      members.close();
      instances.close();
      try {
        node.close();
      } catch (java.io.IOException e) {
        log.debug("membership znode close: {}", e.toString());
      }
    }
  }
}
