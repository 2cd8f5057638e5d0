package io.berth.coordinator.membership;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.proto.coordinator.v1.ClientReports;
import io.berth.proto.coordinator.v1.Measurement;
import io.berth.proto.coordinator.v1.NetworkMeasurement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client measurements received through the resolve API. Each coordinator keeps the newest ones
 * (bounded) stamped with its own receive time and publishes them every two seconds to its znode
 * under {@link ZkPaths#REPORTS}, where the leader reads every coordinator's reports.
 */
public final class ClientReportStore implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClientReportStore.class);
  static final int MAX_ENTRIES = 1000;

  private final String coordinatorId;
  private final long ttlMillis;
  private final ArrayDeque<NetworkMeasurement> recent = new ArrayDeque<>();
  private final PersistentNode own;
  private final CuratorCache all;
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "berth-client-reports");
            t.setDaemon(true);
            return t;
          });
  private volatile boolean dirty;

  public ClientReportStore(CuratorFramework client, String coordinatorId, long ttlSeconds) {
    this.coordinatorId = coordinatorId;
    this.ttlMillis = ttlSeconds * 1000;
    this.own =
        new PersistentNode(
            client,
            CreateMode.EPHEMERAL,
            false,
            ZkPaths.REPORTS + "/" + coordinatorId,
            ClientReports.newBuilder().setCoordinatorId(coordinatorId).build().toByteArray());
    this.all = CuratorCache.build(client, ZkPaths.REPORTS);
  }

  public ClientReportStore start() {
    own.start();
    all.start();
    timer.scheduleWithFixedDelay(this::publish, 2, 2, TimeUnit.SECONDS);
    return this;
  }

  /** Records a client's measurement of a node, attributed to {@code network}. */
  public void add(String network, Measurement m) {
    NetworkMeasurement nm =
        NetworkMeasurement.newBuilder()
            .setNetwork(network)
            .setMeasurement(m.toBuilder().setMeasuredAtMillis(System.currentTimeMillis()))
            .build();
    synchronized (recent) {
      recent.addLast(nm);
      while (recent.size() > MAX_ENTRIES) {
        recent.removeFirst();
      }
    }
    dirty = true;
  }

  private void publish() {
    if (!dirty) {
      return;
    }
    dirty = false;
    long cutoff = System.currentTimeMillis() - ttlMillis;
    ClientReports.Builder b = ClientReports.newBuilder().setCoordinatorId(coordinatorId);
    synchronized (recent) {
      recent.removeIf(x -> x.getMeasurement().getMeasuredAtMillis() < cutoff);
      b.addAllEntries(recent);
    }
    try {
      own.setData(b.build().toByteArray());
    } catch (Exception e) {
      dirty = true;
      log.debug("client reports not published yet: {}", e.toString());
    }
  }

  /** Every coordinator's client measurements younger than the TTL. */
  public List<NetworkMeasurement> fresh(long nowMillis) {
    List<NetworkMeasurement> out = new ArrayList<>();
    long cutoff = nowMillis - ttlMillis;
    all.stream()
        .filter(d -> d.getPath().startsWith(ZkPaths.REPORTS + "/"))
        .map(ChildData::getData)
        .forEach(
            bytes -> {
              try {
                for (NetworkMeasurement nm : ClientReports.parseFrom(bytes).getEntriesList()) {
                  if (nm.getMeasurement().getMeasuredAtMillis() >= cutoff) {
                    out.add(nm);
                  }
                }
              } catch (InvalidProtocolBufferException e) {
                // skip
              }
            });
    return out;
  }

  @Override
  public void close() throws Exception {
    timer.shutdownNow();
    all.close();
    own.close();
  }
}
