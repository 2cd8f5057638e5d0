package io.berth.node.bootstrap;

import io.berth.node.access.AccessPolicy;
import io.berth.node.access.OpenAccessPolicy;
import io.berth.node.access.PrivatePatterns;
import io.berth.node.access.ReplicaAccessPolicy;
import io.berth.node.cluster.RegionPromotion;
import io.berth.node.cluster.ZooKeeperSession;
import io.berth.node.config.NodeConfig;
import io.berth.node.events.ChangePublisher;
import io.berth.node.events.EventApplier;
import io.berth.node.events.EventsStatusHandler;
import io.berth.node.events.OutboxRelay;
import io.berth.node.events.kafka.KafkaChangePublisher;
import io.berth.node.events.kafka.KafkaChangeSubscriber;
import io.berth.node.events.kafka.KafkaTopics;
import io.berth.node.gomod.ChecksumVerifier;
import io.berth.node.gomod.GoModuleService;
import io.berth.node.gomod.GoProxyHandler;
import io.berth.node.gomod.GoPublishHandler;
import io.berth.node.http.HttpServer;
import io.berth.node.http.HttpTelemetry;
import io.berth.node.http.OpsHandlers;
import io.berth.node.http.Router;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksLinkFenceStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.node.replication.LinkFences;
import io.berth.node.replication.LocalApplyPublisher;
import io.berth.node.replication.ReplicationService;
import io.berth.node.replication.ReplicationStatusHandler;
import io.berth.node.replication.WhereHandler;
import io.berth.node.replication.WhereService;
import io.berth.node.rpc.GrpcServer;
import io.berth.node.rpc.ReplicationRpc;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.CachingBlobStore;
import io.berth.node.storage.file.FileBlobStore;
import io.berth.node.upstream.GoProxyUpstream;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only place that builds the node's concrete parts (manual constructor injection) and wires
 * them together. Closing it stops everything in reverse order.
 */
public final class NodeAssembly implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeAssembly.class);

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final NodeConfig config;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private final PrometheusMeterRegistry metrics;
  private final BlobStore blobStore;
  private final RocksIndexStore indexStore;
  private final RocksChangeLog changeLog;
  private final RocksModuleIndex moduleIndex;
  private final RocksSumdbIndex sumdbIndex;
  private final AccessPolicy accessPolicy;
  private final PrivatePatterns privatePatterns;
  private final Router router = new Router();
  private final List<OpsHandlers.ReadinessCheck> readiness = new ArrayList<>();
  private HttpServer server;
  private OutboxRelay relay;
  private EventApplier applier;
  private ZooKeeperSession zooKeeper;
  private GrpcServer grpc;
  private volatile RegionPromotion promotion;
  private final java.util.concurrent.ScheduledExecutorService housekeeping =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "berth-housekeeping");
            t.setDaemon(true);
            return t;
          });
  private GoModuleService goModules;
  private volatile State state = State.NEW;

  public NodeAssembly(NodeConfig config) {
    this.config = config;
    this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.blobStore = new CachingBlobStore(buildBlobStore(config), 64L << 20, 64L << 10);
    closeables.add(blobStore);
    this.indexStore = new RocksIndexStore(config.storage().indexDir());
    closeables.add(indexStore);
    this.changeLog =
        new RocksChangeLog(indexStore, config.node().id(), config.node().region(), 60_000);
    this.moduleIndex = new RocksModuleIndex(indexStore, changeLog);
    this.sumdbIndex = new RocksSumdbIndex(indexStore, changeLog);
    changeLog.attach(moduleIndex, sumdbIndex);
    this.accessPolicy =
        config.node().replica()
            ? new ReplicaAccessPolicy(
                new OpenAccessPolicy(), config.node().region(), this::promoted)
            : new OpenAccessPolicy();
    this.privatePatterns = new PrivatePatterns(config.go().privatePatterns());
  }

  private static BlobStore buildBlobStore(NodeConfig config) {
    return switch (config.storage().type()) {
      case "file" -> new FileBlobStore(config.storage().blobDir(), config.node().id());
      default ->
          throw new io.berth.node.config.ConfigException(
              "storage.type '" + config.storage().type() + "' is not supported (use: file)");
    };
  }

  /** Cleans leftovers, builds the routes and starts listening. */
  public synchronized NodeAssembly start() throws InterruptedException {
    if (state != State.NEW) {
      throw new IllegalStateException("node is " + state);
    }
    int leftovers = blobStore.cleanupIncomplete();
    log.info(
        "node {} in region {} starting ({} leftover temp files removed)",
        config.node().id(),
        config.node().region(),
        leftovers);
    OpsHandlers ops = new OpsHandlers(metrics, readiness);
    router.exact("/healthz", "healthz", ops.health());
    router.exact("/readyz", "readyz", ops.ready());
    router.exact("/metrics", "metrics", ops.metrics());
    wireCluster();
    wireGoModules();
    wireEvents();
    wireReplication();
    server =
        new HttpServer(
            config.http().host(),
            config.http().port(),
            config.http().workerThreads(),
            config.http().bodyTimeoutSeconds() * 1000,
            router,
            new HttpTelemetry(metrics, config.http().accessLog()));
    server.start();
    state = State.RUNNING;
    return this;
  }

  private void wireCluster() {
    NodeConfig.ClusterSection c = config.cluster();
    if (c.zookeeper().isBlank()) {
      return;
    }
    zooKeeper = new ZooKeeperSession(c.zookeeper(), c.sessionTimeoutMs()).start();
    closeables.add(zooKeeper);
    log.info("zookeeper at {}", c.zookeeper());
  }

  /** The ZooKeeper session, or empty for a standalone node. */
  public java.util.Optional<ZooKeeperSession> zooKeeper() {
    return java.util.Optional.ofNullable(zooKeeper);
  }

  private void wireGoModules() {
    NodeConfig.GoSection go = config.go();
    GoProxyUpstream upstream =
        new GoProxyUpstream(
            go.upstreams(), Duration.ofSeconds(go.upstreamTimeoutSeconds()), metrics);
    goModules =
        new GoModuleService(
            blobStore,
            moduleIndex,
            upstream,
            privatePatterns,
            checksumVerifier(),
            Duration.ofSeconds(go.listTtlSeconds()),
            go.maxZipBytes(),
            Path.of(config.storage().dataDir()).resolve("work"),
            Clock.systemUTC(),
            metrics);
    int leftovers = goModules.cleanupWorkDir();
    if (leftovers > 0) {
      log.info("removed {} leftover publish files", leftovers);
    }
    router.prefix(
        GoPublishHandler.PREFIX, "go_publish", new GoPublishHandler(goModules, accessPolicy));
    router.fallback(
        "goproxy", new GoProxyHandler(goModules, accessPolicy, Math.min(60, go.listTtlSeconds())));
  }

  private void wireEvents() {
    NodeConfig.EventsSection ev = config.events();
    boolean kafka = !ev.kafkaBootstrap().isBlank();
    if (kafka) {
      String topic = ev.topicFor(config.node().region());
      Runnable ensureTopic = ensureTopic(topic);
      relay =
          new OutboxRelay(
              changeLog,
              new KafkaChangePublisher(ev.kafkaBootstrap(), topic, ensureTopic),
              ev.relayDelayMillis(),
              metrics);
      closeables.add(relay);
      applier =
          new EventApplier(
              changeLog,
              new KafkaChangeSubscriber(
                  ev.kafkaBootstrap(),
                  topic,
                  "berth-" + config.node().region() + "-" + config.node().id(),
                  ensureTopic),
              metrics,
              () -> {});
      closeables.add(applier);
      relay.start();
      applier.start();
      readiness.add(() -> applier.caughtUp() ? null : "catching up with the region log " + topic);
      log.info("change log relayed to Kafka topic {} at {}", topic, ev.kafkaBootstrap());
    }
    long retentionMillis = ev.outboxRetentionHours() * 3_600_000L;
    housekeeping.scheduleWithFixedDelay(
        () -> {
          try {
            changeLog.trimPublished(System.currentTimeMillis() - retentionMillis);
          } catch (RuntimeException e) {
            log.warn("outbox trim failed: {}", e.toString());
          }
        },
        1,
        60,
        java.util.concurrent.TimeUnit.MINUTES);
    router.exact(
        "/_berth/api/events",
        "events_status",
        new EventsStatusHandler(changeLog, () -> applier == null || applier.caughtUp(), kafka));
  }

  private Runnable ensureTopic(String topic) {
    NodeConfig.EventsSection ev = config.events();
    return ev.createTopic()
        ? () ->
            KafkaTopics.ensure(
                ev.kafkaBootstrap(),
                topic,
                ev.partitions(),
                ev.replicationFactor(),
                ev.minInsyncReplicas())
        : () -> {};
  }

  /**
   * Replication (issue 6): the where API, the DR replica role, and the gRPC service the replicator
   * uses (blobs in and out, fenced by link epoch; remote events republished into the region log).
   */
  private void wireReplication() {
    NodeConfig.NodeSection node = config.node();
    if (node.replica()) {
      if (zooKeeper != null) {
        promotion = new RegionPromotion(zooKeeper, node.region()).start();
        closeables.add(promotion);
        log.info("DR replica of region {}: client writes refused until promoted", node.region());
      } else {
        log.warn(
            "DR replica without cluster.zookeeper: client writes are refused and the region cannot"
                + " be promoted; set node.mode to primary and restart to take writes");
      }
    }
    List<WhereService.Peer> peers = new ArrayList<>();
    for (String p : config.cluster().peers()) {
      try {
        peers.add(WhereService.Peer.parse(p));
      } catch (IllegalArgumentException e) {
        throw new io.berth.node.config.ConfigException("cluster.peers: " + e.getMessage());
      }
    }
    router.exact(
        "/_berth/api/where",
        "where",
        new WhereHandler(new WhereService(node.region(), node.id(), changeLog, peers)));
    LinkFences fences = new LinkFences(new RocksLinkFenceStore(indexStore), metrics);
    router.exact(
        "/_berth/api/replication",
        "replication_status",
        new ReplicationStatusHandler(
            node.id(),
            node.region(),
            node.mode(),
            () -> !node.replica() || promoted(),
            () -> promotion == null ? null : promotion.current().orElse(null),
            this::grpcPort,
            fences));
    if (config.http().grpcPort() < 0) {
      return;
    }
    NodeConfig.EventsSection ev = config.events();
    String topic = ev.topicFor(node.region());
    ChangePublisher regionLog =
        ev.kafkaBootstrap().isBlank()
            ? new LocalApplyPublisher(changeLog)
            : new KafkaChangePublisher(
                ev.kafkaBootstrap(), topic, ensureTopic(topic), "berth-republish");
    closeables.add(regionLog);
    ReplicationRpc rpc =
        new ReplicationRpc(
            new ReplicationService(blobStore, changeLog, regionLog, fences, metrics));
    closeables.add(rpc);
    grpc = new GrpcServer(config.http().host(), config.http().grpcPort(), List.of(rpc));
    try {
      grpc.start();
    } catch (java.io.IOException e) {
      throw new io.berth.node.config.ConfigException(
          "cannot listen for gRPC on "
              + config.http().host()
              + ":"
              + config.http().grpcPort()
              + ": "
              + e.getMessage());
    }
    closeables.add(grpc);
    log.info("replication gRPC on {}:{}", config.http().host(), grpc.port());
  }

  private boolean promoted() {
    RegionPromotion p = promotion;
    return p != null && p.promoted();
  }

  /** The gRPC port, or -1 when gRPC is off. */
  public int grpcPort() {
    return grpc == null ? -1 : grpc.port();
  }

  private ChecksumVerifier checksumVerifier() {
    return ChecksumVerifier.NONE;
  }

  public int port() {
    return server.port();
  }

  public NodeConfig config() {
    return config;
  }

  public BlobStore blobStore() {
    return blobStore;
  }

  public RocksModuleIndex moduleIndex() {
    return moduleIndex;
  }

  public RocksChangeLog changeLog() {
    return changeLog;
  }

  public PrometheusMeterRegistry metrics() {
    return metrics;
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
    if (server != null) {
      server.close();
    }
    housekeeping.shutdownNow();
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
