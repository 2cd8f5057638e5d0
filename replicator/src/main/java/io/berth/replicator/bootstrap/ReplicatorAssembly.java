package io.berth.replicator.bootstrap;

import io.berth.platform.zk.ZooKeeperClients;
import io.berth.replicator.bucket.S3TargetBucket;
import io.berth.replicator.bucket.TargetBucket;
import io.berth.replicator.config.ConfigException;
import io.berth.replicator.config.ReplicatorConfig;
import io.berth.replicator.consume.KafkaSourceLog;
import io.berth.replicator.http.StatusServer;
import io.berth.replicator.link.Link;
import io.berth.replicator.region.GrpcRegionClient;
import io.berth.replicator.region.RegionClient;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only place that builds the replicator's concrete parts: one ZooKeeper session, a {@link
 * GrpcRegionClient} per region, a {@link Link} (ownership election + worker) per configured link,
 * and the status listener. Closing stops everything in reverse order.
 */
public final class ReplicatorAssembly implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReplicatorAssembly.class);

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final ReplicatorConfig config;
  private final PrometheusMeterRegistry metrics =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final Map<String, RegionClient> regions = new LinkedHashMap<>();
  private final Map<String, TargetBucket> buckets = new LinkedHashMap<>();
  private final List<Link> links = new ArrayList<>();
  private CuratorFramework zk;
  private StatusServer status;
  private volatile State state = State.NEW;

  public ReplicatorAssembly(ReplicatorConfig config) {
    this.config = config.validate();
  }

  public synchronized ReplicatorAssembly start() {
    if (state != State.NEW) {
      throw new IllegalStateException("replicator is " + state);
    }
    zk = ZooKeeperClients.newClient(config.zookeeper(), config.sessionTimeoutMs());
    zk.start();
    closeables.add(zk);
    for (ReplicatorConfig.LinkSection l : config.links()) {
      RegionClient source = region(l.source());
      RegionClient target = region(l.target());
      TargetBucket bucket = bucket(l.target());
      ReplicatorConfig.RegionSection src = config.regions().get(l.source());
      String topic = src.topicFor(l.source());
      String group = KafkaSourceLog.groupFor(l.source(), l.target());
      Link link =
          new Link(
              l,
              zk,
              config.instanceId(),
              source,
              target,
              bucket,
              () -> new KafkaSourceLog(src.kafkaBootstrap(), topic, group),
              metrics);
      links.add(link);
    }
    try {
      status =
          new StatusServer(config.http().host(), config.http().port(), metrics, this::status)
              .start();
    } catch (IOException e) {
      close();
      throw new ConfigException(
          "cannot listen on "
              + config.http().host()
              + ":"
              + config.http().port()
              + ": "
              + e.getMessage());
    }
    closeables.add(status);
    for (Link link : links) {
      link.start();
      closeables.add(link);
    }
    state = State.RUNNING;
    log.info(
        "replicator {} running {} link(s), status on http://{}:{}/status",
        config.instanceId(),
        links.size(),
        config.http().host(),
        status.port());
    return this;
  }

  private RegionClient region(String name) {
    return regions.computeIfAbsent(
        name,
        n -> {
          List<String> endpoints = new ArrayList<>();
          config.regions().get(n).nodes().forEach(e -> endpoints.add(e.grpc()));
          GrpcRegionClient c = new GrpcRegionClient(n, endpoints, config.regions().get(n).token());
          closeables.add(c);
          return c;
        });
  }

  /** The region's bucket for copies while its nodes are down, or null if none is configured. */
  private TargetBucket bucket(String name) {
    ReplicatorConfig.BucketSection b = config.regions().get(name).bucket();
    if (b == null) {
      return null;
    }
    return buckets.computeIfAbsent(
        name,
        n -> {
          S3TargetBucket t = new S3TargetBucket(n, b, b.bufferBytes());
          closeables.add(t);
          return t;
        });
  }

  /** Everything {@code /status} shows. */
  public Map<String, Object> status() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("instance", config.instanceId());
    out.put("zookeeperConnected", zk != null && zk.getZookeeperClient().isConnected());
    List<Map<String, Object>> ls = new ArrayList<>();
    for (Link l : links) {
      ls.add(l.snapshot());
    }
    out.put("links", ls);
    Map<String, Object> rs = new LinkedHashMap<>();
    regions.forEach((n, c) -> rs.put(n, c.nodes()));
    out.put("regions", rs);
    return out;
  }

  public List<Link> links() {
    return links;
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
  }

  public int port() {
    return status.port();
  }

  public State state() {
    return state;
  }

  @Override
  public synchronized void close() {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    for (int i = closeables.size() - 1; i >= 0; i--) {
      try {
        closeables.get(i).close();
      } catch (Exception e) {
        log.warn("error while closing {}", closeables.get(i), e);
      }
    }
    metrics.close();
  }
}
