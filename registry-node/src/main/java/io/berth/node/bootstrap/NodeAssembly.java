package io.berth.node.bootstrap;

import io.berth.common.ChangeEvents;
import io.berth.common.Digest;
import io.berth.node.access.AccessPolicy;
import io.berth.node.access.AdminAccessHandler;
import io.berth.node.access.OpenAccessPolicy;
import io.berth.node.access.PrivatePatterns;
import io.berth.node.access.ReplicaAccessPolicy;
import io.berth.node.cluster.JobOwner;
import io.berth.node.cluster.LeaderJobOwner;
import io.berth.node.cluster.LocalLockJobOwner;
import io.berth.node.cluster.RegionPromotion;
import io.berth.node.cluster.ScheduledJob;
import io.berth.node.cluster.ZooKeeperSession;
import io.berth.node.config.NodeConfig;
import io.berth.node.events.ChangePublisher;
import io.berth.node.events.EventApplier;
import io.berth.node.events.EventsStatusHandler;
import io.berth.node.events.OutboxRelay;
import io.berth.node.events.kafka.KafkaChangePublisher;
import io.berth.node.events.kafka.KafkaChangeSubscriber;
import io.berth.node.events.kafka.KafkaTopics;
import io.berth.node.gc.BlobReferences;
import io.berth.node.gc.GarbageCollector;
import io.berth.node.gc.GcHandler;
import io.berth.node.gc.GcRefusedException;
import io.berth.node.gc.GcSafety;
import io.berth.node.gc.GcService;
import io.berth.node.gc.GcStatusHandler;
import io.berth.node.gc.GoModuleReferences;
import io.berth.node.gc.GuardedBlobStore;
import io.berth.node.gc.OciReferences;
import io.berth.node.gc.RecentWrites;
import io.berth.node.gc.SharedStorageGcSafety;
import io.berth.node.gc.SumdbReferences;
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
import io.berth.node.index.rocksdb.RocksOciIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.node.oci.OciHandler;
import io.berth.node.oci.OciRegistryService;
import io.berth.node.oci.OciRoute;
import io.berth.node.oci.OciUploads;
import io.berth.node.oci.PullThroughCache;
import io.berth.node.oci.pullthrough.RegistryPullThroughCache;
import io.berth.node.oci.pullthrough.UpstreamRoutes;
import io.berth.node.replication.LinkFences;
import io.berth.node.replication.LocalApplyPublisher;
import io.berth.node.replication.PublishThenApply;
import io.berth.node.replication.ReplicationService;
import io.berth.node.replication.ReplicationStatusHandler;
import io.berth.node.replication.WhereHandler;
import io.berth.node.replication.WhereService;
import io.berth.node.rpc.GrpcServer;
import io.berth.node.rpc.ReplicationRpc;
import io.berth.node.scrub.BlobRepairSource;
import io.berth.node.scrub.GoUpstreamRepair;
import io.berth.node.scrub.ScrubHandler;
import io.berth.node.scrub.ScrubService;
import io.berth.node.scrub.Scrubber;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.CachedProbe;
import io.berth.node.storage.CachingBlobStore;
import io.berth.node.storage.cache.DiskCacheBlobStore;
import io.berth.node.storage.file.FileBlobStore;
import io.berth.node.storage.s3.S3BlobStore;
import io.berth.node.sumdb.SumdbChecksumVerifier;
import io.berth.node.sumdb.SumdbHandler;
import io.berth.node.sumdb.SumdbService;
import io.berth.node.sumdb.VerifierKey;
import io.berth.node.upstream.GoProxyUpstream;
import io.berth.proto.events.v1.ChangeEvent;
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
  private final BlobStore rawBlobStore;
  private final BlobStore blobStore;

  /**
   * What replication copies are read from: the blobs, without filling the read cache (once each).
   */
  private final BlobStore copyReads;

  private final RecentWrites recentWrites;
  private final List<BlobReferences> blobReferences = new ArrayList<>();
  private final List<BlobRepairSource> repairSources = new ArrayList<>();
  private GcService gcService;
  private ScrubService scrubService;
  private final RocksIndexStore indexStore;
  private final RocksChangeLog changeLog;
  private final RocksModuleIndex moduleIndex;
  private final RocksSumdbIndex sumdbIndex;
  private final RocksOciIndex ociIndex;
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
  private SumdbService sumdb;
  private OciUploads ociUploads;
  private volatile State state = State.NEW;

  public NodeAssembly(NodeConfig config) {
    this(config, java.util.function.UnaryOperator.identity());
  }

  /**
   * A node whose access policy is {@code policyDecorator} applied to the default policy (tests, and
   * modes such as a read-only replica that wrap the policy).
   */
  public NodeAssembly(
      NodeConfig config, java.util.function.UnaryOperator<AccessPolicy> policyDecorator) {
    this(config, policyDecorator, java.util.function.UnaryOperator.identity());
  }

  /**
   * Like {@link #NodeAssembly(NodeConfig, java.util.function.UnaryOperator)}, with the configured
   * blob store wrapped by {@code storeDecorator} below the caches (tests inject storage faults).
   */
  public NodeAssembly(
      NodeConfig config,
      java.util.function.UnaryOperator<AccessPolicy> policyDecorator,
      java.util.function.UnaryOperator<BlobStore> storeDecorator) {
    this.config = config;
    this.metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    this.rawBlobStore = storeDecorator.apply(buildBlobStore(config));
    this.recentWrites =
        new RecentWrites(
            Duration.ofMinutes(Math.max(1, Math.min(60, config.storage().gc().graceMinutes()))),
            200_000);
    BlobStore cached = wireBlobCache(rawBlobStore);
    this.copyReads =
        cached instanceof DiskCacheBlobStore disk ? disk.withoutFillingOnMiss() : cached;
    this.blobStore =
        new GuardedBlobStore(
            new CachingBlobStore(cached, memoryCacheBytes(), 64L << 10), recentWrites);
    closeables.add(blobStore);
    this.indexStore = new RocksIndexStore(config.storage().indexDir());
    closeables.add(indexStore);
    this.changeLog =
        new RocksChangeLog(
            indexStore,
            config.node().id(),
            config.node().region(),
            config.events().maxClockSkewMillis());
    if (config.events().unsafeSkipOutbox()) {
      changeLog.skipOutboxForBenchmarks();
    }
    this.moduleIndex = new RocksModuleIndex(indexStore, changeLog);
    this.sumdbIndex = new RocksSumdbIndex(indexStore, changeLog);
    changeLog.attach(moduleIndex, sumdbIndex);
    this.ociIndex = new RocksOciIndex(indexStore, changeLog);
    changeLog.addApplier(ociIndex::applyRemote);
    io.micrometer.core.instrument.FunctionCounter.builder(
            "berth_hlc_skewed_readings", changeLog.clock(), c -> c.skewedObservations())
        .description("remote clock readings too far ahead of this node's clock, clamped")
        .register(metrics);
    AccessPolicy base = policyDecorator.apply(new OpenAccessPolicy());
    this.accessPolicy =
        config.node().replica()
            ? new ReplicaAccessPolicy(base, config.node().region(), this::promoted)
            : base;
    this.privatePatterns = new PrivatePatterns(config.go().privatePatterns());
    blobReferences.add(new GoModuleReferences(moduleIndex));
    blobReferences.add(new SumdbReferences(sumdbIndex));
    blobReferences.add(new OciReferences(ociIndex));
  }

  /**
   * The in-memory cache of small blobs (manifests, configs, .info and .mod files, up to 64 KiB
   * each): an eighth of the heap, at least 16 MiB and at most 256 MiB. A fixed 64 MiB could not
   * hold the manifests of the 100k-manifest benchmark, so reads cycling over them mostly missed and
   * read a file into a new array (docs/BENCHMARKS.md, issue 3).
   */
  static long memoryCacheBytes() {
    return Math.max(16L << 20, Math.min(256L << 20, Runtime.getRuntime().maxMemory() / 8));
  }

  private static BlobStore buildBlobStore(NodeConfig config) {
    return switch (config.storage().type()) {
      case "file" -> new FileBlobStore(config.storage().blobDir(), config.node().id());
      case "s3" -> new S3BlobStore(config.storage().s3(), config.node().id());
      default ->
          throw new io.berth.node.config.ConfigException(
              "storage.type '" + config.storage().type() + "' is not supported (use: file, s3)");
    };
  }

  /**
   * The node-local read cache in front of the S3 bucket ({@code storage.s3.localCache}, ADR 0017).
   * Scrub keeps reading {@link #rawBlobStore}; file storage is local already and is not wrapped.
   */
  private BlobStore wireBlobCache(BlobStore raw) {
    NodeConfig.LocalCacheSection c = config.storage().s3().localCache();
    if (!config.storage().type().equals("s3") || !c.enabled()) {
      return raw;
    }
    Path dir = c.dirUnder(config.storage().dataDir());
    log.info(
        "blob read cache in {} (at most {} bytes, blobs up to {} bytes)",
        dir,
        c.maxBytes(),
        c.maxBlobBytes());
    return new DiskCacheBlobStore(
        raw, dir, c.maxBytes(), c.maxBlobBytes(), c.fillOnWrite(), metrics);
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
    wireSumdb();
    wireOci();
    wireGoModules();
    wireEvents();
    wireMaintenance();
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
    wireMembership();
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

  /**
   * Registers this node for the coordinator (issue 7) when ZooKeeper is configured: an ephemeral
   * member record refreshed every heartbeat, with peer and coordinator timings.
   */
  private void wireMembership() {
    if (zooKeeper == null) {
      return;
    }
    NodeConfig.ClusterSection c = config.cluster();
    String url = c.advertiseUrl();
    if (url.isBlank()) {
      String host = config.http().host();
      if (host.equals("0.0.0.0") || host.equals("::")) {
        try {
          host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
          host = "127.0.0.1";
        }
      }
      url = "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.port();
    }
    io.berth.node.cluster.MembershipAgent membership =
        new io.berth.node.cluster.MembershipAgent(
            zooKeeper,
            new io.berth.node.cluster.MembershipAgent.Self(
                config.node().region(),
                config.node().id(),
                url,
                () -> {
                  for (OpsHandlers.ReadinessCheck check : readiness) {
                    String problem = check.get();
                    if (problem != null) {
                      return problem;
                    }
                  }
                  return null;
                },
                changeLog::lastSeq,
                changeLog::publishedSeq,
                () -> changeLog.clock().last().wallMillis(),
                () -> applier == null || applier.caughtUp(),
                config.go().privatePatterns()),
            c.heartbeatMs(),
            c.probeIntervalMs(),
            c.probeTimeoutMs());
    closeables.add(membership);
    membership.start();
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
            new PrivatePatterns(go.effectivePublishPatterns()),
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

  private void wireOci() {
    NodeConfig.OciSection oci = config.oci();
    ociUploads =
        new OciUploads(
                ociIndex,
                Path.of(config.storage().dataDir()).resolve("oci-uploads"),
                Duration.ofSeconds(oci.uploadExpirySeconds()),
                Duration.ofSeconds(oci.uploadSweepSeconds()),
                Clock.systemUTC())
            .start();
    closeables.add(ociUploads);
    OciRegistryService service =
        new OciRegistryService(
            blobStore,
            ociIndex,
            ociUploads,
            wireOciPullThrough(),
            readYourWrites(),
            oci.maxManifestBytes(),
            Clock.systemUTC(),
            Duration.ofMinutes(config.storage().gc().graceMinutes()).dividedBy(2));
    // blob reads of a file store are answered on the event loop (ADR 0021); S3 reads never are
    OciHandler handler =
        new OciHandler(service, accessPolicy, config.storage().type().equals("file"));
    router.exact("/v2", "oci", handler);
    router.prefix(OciRoute.PREFIX, "oci", handler);
  }

  /**
   * The OCI pull-through cache (issue 3): one upstream registry client per {@code oci.upstreams}
   * prefix; repositories matching {@code oci.privatePatterns} are never fetched upstream.
   */
  private PullThroughCache wireOciPullThrough() {
    NodeConfig.OciSection oci = config.oci();
    if (oci.upstreams().isEmpty()) {
      return PullThroughCache.NONE;
    }
    List<UpstreamRoutes.Route> routes = new ArrayList<>();
    try {
      for (NodeConfig.OciUpstream u : oci.upstreams()) {
        routes.add(
            new UpstreamRoutes.Route(
                u.prefix(),
                new io.berth.node.upstream.RegistryUpstream(
                    u.url(),
                    u.username(),
                    u.password(),
                    Duration.ofSeconds(oci.upstreamTimeoutSeconds()),
                    Clock.systemUTC(),
                    metrics),
                u.remotePrefix(),
                Duration.ofSeconds(u.tagTtlSeconds())));
      }
      UpstreamRoutes table = new UpstreamRoutes(routes, new PrivatePatterns(oci.privatePatterns()));
      for (UpstreamRoutes.Route r : table.routes()) {
        log.info("OCI pull-through: {}/ -> {}", r.prefix(), r.upstream().url());
      }
      return new RegistryPullThroughCache(
          table, blobStore, ociIndex, oci.maxManifestBytes(), Clock.systemUTC(), metrics);
    } catch (IllegalArgumentException e) {
      throw new io.berth.node.config.ConfigException("oci.upstreams: " + e.getMessage());
    }
  }

  /**
   * With a region log, an OCI read that misses waits (bounded) for the applier to catch up with the
   * log's end before answering 404: read-your-writes across the region's nodes.
   */
  private io.berth.node.oci.OciMissWait readYourWrites() {
    NodeConfig.EventsSection ev = config.events();
    if (ev.kafkaBootstrap().isBlank() || ev.readYourWritesWaitMillis() <= 0) {
      return io.berth.node.oci.OciMissWait.NONE;
    }
    return new io.berth.node.oci.CatchUpMissWait(
        ociIndex,
        blobStore,
        max -> {
          EventApplier a = applier;
          return a == null ? io.berth.node.index.RegionCatchUp.Outcome.UNAVAILABLE : a.await(max);
        },
        Duration.ofMillis(ev.readYourWritesWaitMillis()),
        Duration.ofMillis(ev.readYourWritesTagGraceMillis()));
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
                  // the incarnation: a node rebuilt empty under the same id replays from the start
                  "berth-"
                      + config.node().region()
                      + "-"
                      + config.node().id()
                      + "-"
                      + changeLog.incarnation(),
                  ensureTopic),
              metrics,
              this::blobSizesSeen,
              ev.applyDelayMillis());
      closeables.add(applier);
      relay.start();
      applier.start();
      Duration readyWithoutLog = Duration.ofSeconds(ev.readyWithoutLogAfterSeconds());
      readiness.add(
          () ->
              applier.caughtUp() || applier.servingWithoutLog(readyWithoutLog)
                  ? null
                  : "catching up with the region log " + topic);
      log.info("change log relayed to Kafka topic {} at {}", topic, ev.kafkaBootstrap());
    }
    housekeeping.scheduleWithFixedDelay(
        new io.berth.node.events.OutboxRetention(
            changeLog,
            kafka,
            Duration.ofHours(ev.outboxRetentionHours()),
            Duration.ofHours(ev.localRetentionHours()),
            Clock.systemUTC()),
        1,
        60,
        java.util.concurrent.TimeUnit.MINUTES);
    router.exact(
        "/_berth/api/conflicts", "conflicts", new io.berth.node.events.ConflictsHandler(changeLog));
    router.exact(
        "/_berth/api/events",
        "events_status",
        AdminAccessHandler.guard(
            accessPolicy,
            "events",
            new EventsStatusHandler(
                changeLog, () -> applier == null || applier.caughtUp(), kafka)));
  }

  private void wireSumdb() {
    NodeConfig.SumdbSection sc = config.sumdb();
    List<SumdbService.Database> dbs = new ArrayList<>();
    for (NodeConfig.SumdbDatabase d : sc.databases()) {
      VerifierKey key;
      try {
        key = VerifierKey.parse(d.verifierKey());
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new io.berth.node.config.ConfigException(
            "sumdb database '" + d.name() + "': invalid verifierKey: " + e.getMessage());
      }
      if (!key.name().equals(d.name())) {
        throw new io.berth.node.config.ConfigException(
            "sumdb database '" + d.name() + "': verifierKey is for '" + key.name() + "'");
      }
      String url = d.url() == null || d.url().isBlank() ? "off" : d.url();
      dbs.add(
          new SumdbService.Database(
              d.name(),
              key,
              new GoProxyUpstream(
                  url,
                  Duration.ofSeconds(config.go().upstreamTimeoutSeconds()),
                  metrics,
                  "sumdb")));
    }
    sumdb =
        new SumdbService(
            dbs,
            blobStore,
            sumdbIndex,
            privatePatterns,
            Duration.ofSeconds(sc.latestTtlSeconds()),
            Clock.systemUTC(),
            metrics);
    router.prefix(SumdbHandler.PREFIX, "sumdb", new SumdbHandler(sumdb, accessPolicy));
  }

  /**
   * Storage readiness, garbage collection and scrub (issue 4). Reference sources for GC come from
   * {@link #blobReferences} (Go modules and sumdb here; OCI wiring adds its own before this runs).
   */
  private void wireMaintenance() {
    if (rawBlobStore instanceof S3BlobStore s3) {
      CachedProbe probe = new CachedProbe(s3::probe, config.storage().s3().readinessCacheMillis());
      readiness.add(probe::get);
    }
    buildMaintenance();
    router.exact(GcHandler.PATH, "gc", new GcHandler(gcService, accessPolicy));
    router.exact(GcStatusHandler.PATH, "gc_status", new GcStatusHandler(gcService, accessPolicy));
    router.exact(ScrubHandler.PATH, "scrub", new ScrubHandler(scrubService, accessPolicy));
    NodeConfig.StorageSection st = config.storage();
    if (st.gc().enabled()) {
      // a run on shared storage that is not safe is refused, logged and counted by the service
      closeables.add(
          new ScheduledJob(
                  "gc",
                  alwaysOwner(),
                  Duration.ofMinutes(st.gc().initialDelayMinutes()),
                  Duration.ofMinutes(st.gc().intervalMinutes()),
                  stillOwner -> {
                    try {
                      gcService.runNow(null, Duration.ZERO);
                    } catch (GcRefusedException e) {
                      // skipped: reported by GcService (log, berth_gc_skipped, gc status)
                    }
                  })
              .start());
    }
    boolean singleOwner = !st.sharedBlobs() || zooKeeper != null || st.gc().soleWriter();
    if (!singleOwner) {
      log.warn(
          "storage is shared ({}) but cluster.zookeeper is not set: scheduled scrub is off"
              + " (no single owner) and gc deletes nothing; run scrub by hand with berth scrub",
          sharedStorageName());
      return;
    }
    if (st.scrub().enabled()) {
      closeables.add(
          new ScheduledJob(
                  "scrub",
                  alwaysOwner(),
                  Duration.ofMinutes(st.scrub().initialDelayMinutes()),
                  Duration.ofHours(st.scrub().intervalHours()),
                  stillOwner -> scrubService.runNow(Duration.ZERO))
              .start());
    }
  }

  /** The schedule only triggers; the services check ownership themselves. */
  private static JobOwner alwaysOwner() {
    return new JobOwner() {
      @Override
      public <T> java.util.Optional<T> runAsOwner(
          Duration wait, java.util.function.Function<java.util.function.BooleanSupplier, T> work) {
        return java.util.Optional.ofNullable(work.apply(() -> true));
      }

      @Override
      public String describe() {
        return "the schedule";
      }

      @Override
      public void close() {}
    };
  }

  private void buildMaintenance() {
    if (gcService != null) {
      return;
    }
    NodeConfig.StorageSection st = config.storage();
    NodeConfig.GoSection go = config.go();
    repairSources.add(
        0,
        new GoUpstreamRepair(
            moduleIndex,
            new GoProxyUpstream(
                go.upstreams(), Duration.ofSeconds(go.upstreamTimeoutSeconds()), metrics),
            privatePatterns));
    gcService =
        new GcService(
            new GarbageCollector(
                blobStore,
                recentWrites,
                blobReferences,
                Duration.ofMinutes(st.gc().graceMinutes()),
                Clock.systemUTC(),
                metrics),
            jobOwner("gc"),
            st.gc().dryRun(),
            gcSafety(),
            metrics,
            Clock.systemUTC());
    scrubService =
        new ScrubService(
            new Scrubber(
                rawBlobStore,
                blobStore,
                repairSources,
                st.scrub().bytesPerSecond(),
                st.scrub().quarantine(),
                st.scrub().repair(),
                Clock.systemUTC(),
                metrics),
            jobOwner("scrub"));
  }

  /**
   * Whether GC may delete now (C1, ADR 0008): storage only this node writes is always safe; on
   * shared storage GC needs a ZooKeeper-elected owner and a running, caught-up event applier,
   * unless {@code storage.gc.soleWriter} declares this node the only writer.
   */
  private GcSafety gcSafety() {
    NodeConfig.StorageSection st = config.storage();
    if (!st.sharedBlobs() || st.gc().soleWriter()) {
      return GcSafety.ownStorage();
    }
    boolean kafka = !config.events().kafkaBootstrap().isBlank();
    return new SharedStorageGcSafety(
        sharedStorageName(),
        zooKeeper != null,
        kafka,
        () -> {
          EventApplier a = applier;
          if (a == null || !a.state().name().equals("RUNNING")) {
            return SharedStorageGcSafety.Applier.NOT_RUNNING;
          }
          return a.caughtUp()
              ? SharedStorageGcSafety.Applier.CAUGHT_UP
              : SharedStorageGcSafety.Applier.BEHIND;
        });
  }

  private String sharedStorageName() {
    NodeConfig.StorageSection st = config.storage();
    return st.type().equals("s3")
        ? "bucket " + st.s3().bucket() + (st.s3().prefix().isEmpty() ? "" : "/" + st.s3().prefix())
        : "directory " + st.sharedBlobDir();
  }

  private JobOwner jobOwner(String job) {
    JobOwner owner =
        zooKeeper != null
            ? new LeaderJobOwner(
                    zooKeeper, "/leaders/" + config.node().region() + "/" + job, config.node().id())
                .start()
            : new LocalLockJobOwner(lockDir().resolve(job + ".lock"));
    closeables.add(owner);
    return owner;
  }

  /**
   * Where lock files live: the blob directory for file storage (shared with its users), else the
   * data dir.
   */
  private Path lockDir() {
    return config.storage().type().equals("file")
        ? config.storage().blobDir()
        : Path.of(config.storage().dataDir());
  }

  /**
   * The blob reference sources garbage collection marks from. Wiring code adds sources (OCI
   * manifests, tags, links, upload sessions) before {@link #start} (or before {@link
   * #maintenance()} for the CLI).
   */
  public List<BlobReferences> blobReferences() {
    return blobReferences;
  }

  /** Sources scrub repairs corrupt blobs from (after the Go upstream); add before start. */
  public List<BlobRepairSource> repairSources() {
    return repairSources;
  }

  /**
   * GC and scrub for a node that is not started ({@code berth gc}, {@code berth scrub}): joins
   * ZooKeeper when configured (so the leader elsewhere keeps ownership) and returns the services.
   */
  public synchronized Maintenance maintenance() {
    if (state == State.NEW && zooKeeper == null && !config.cluster().zookeeper().isBlank()) {
      wireCluster();
    }
    buildMaintenance();
    return new Maintenance(gcService, scrubService);
  }

  /** The maintenance services of this node. */
  public record Maintenance(GcService gc, ScrubService scrub) {}

  /** The store below the caches (scrub reads it; tests corrupt it). */
  /**
   * Tells the blob store the sizes of the blobs that just-applied events name (a peer stored them,
   * or a node of this region verified them before it republished the event), so the first reads of
   * freshly replicated blobs on an S3 node need no HEAD each (ADR 0023).
   */
  private void blobSizesSeen(List<ChangeEvent> applied) {
    for (ChangeEvent e : applied) {
      ChangeEvents.storedBlobSizes(e)
          .forEach((d, size) -> blobStore.sizeSeen(Digest.parse(d), size));
    }
  }

  public BlobStore rawBlobStore() {
    return rawBlobStore;
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
        AdminAccessHandler.guard(
            accessPolicy,
            "where",
            new WhereHandler(new WhereService(node.region(), node.id(), changeLog, peers))));
    LinkFences fences =
        new LinkFences(
            new RocksLinkFenceStore(indexStore), metrics, config.http().grpcMaxEpochJump());
    router.exact(
        "/_berth/api/replication",
        "replication_status",
        AdminAccessHandler.guard(
            accessPolicy,
            "replication",
            new ReplicationStatusHandler(
                node.id(),
                node.region(),
                node.mode(),
                () -> !node.replica() || promoted(),
                () -> promotion == null ? null : promotion.current().orElse(null),
                this::grpcPort,
                fences)));
    if (config.http().grpcPort() < 0) {
      return;
    }
    NodeConfig.EventsSection ev = config.events();
    String topic = ev.topicFor(node.region());
    ChangePublisher regionLog =
        ev.kafkaBootstrap().isBlank()
            ? new LocalApplyPublisher(changeLog)
            : new PublishThenApply(
                new KafkaChangePublisher(
                    ev.kafkaBootstrap(), topic, ensureTopic(topic), "berth-republish"),
                changeLog,
                this::blobSizesSeen);
    closeables.add(regionLog);
    ReplicationRpc rpc =
        new ReplicationRpc(
            new ReplicationService(
                blobStore,
                copyReads,
                changeLog,
                regionLog,
                fences,
                metrics,
                Duration.ofMinutes(config.storage().gc().graceMinutes())));
    closeables.add(rpc);
    grpc = wireGrpc(rpc);
  }

  /** The gRPC listener: its own bind host, and the shared-token check when a token is set. */
  private GrpcServer wireGrpc(ReplicationRpc rpc) {
    NodeConfig.HttpSection http = config.http();
    String host = http.grpcBindHost();
    List<io.grpc.ServerInterceptor> interceptors = new ArrayList<>();
    if (!http.grpcToken().isBlank()) {
      interceptors.add(new io.berth.node.rpc.TokenInterceptor(http.grpcToken(), metrics));
    } else {
      log.warn(
          "the replication gRPC API on {} takes calls without a token; set http.grpcToken (and"
              + " the replicator's regions.<name>.token) unless the address is private",
          host);
    }
    GrpcServer server = new GrpcServer(host, http.grpcPort(), List.of(rpc), interceptors);
    try {
      server.start();
    } catch (java.io.IOException e) {
      throw new io.berth.node.config.ConfigException(
          "cannot listen for gRPC on " + host + ":" + http.grpcPort() + ": " + e.getMessage());
    }
    closeables.add(server);
    log.info(
        "replication gRPC on {}:{}{}",
        host,
        server.port(),
        http.grpcToken().isBlank() ? "" : " (token required)");
    return server;
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
    String name = config.go().verifyWithSumdb();
    if (name.isBlank()) {
      return ChecksumVerifier.NONE;
    }
    try {
      return new SumdbChecksumVerifier(sumdb, name);
    } catch (IllegalArgumentException e) {
      throw new io.berth.node.config.ConfigException(e.getMessage());
    }
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

  public io.berth.node.index.OciIndex ociIndex() {
    return ociIndex;
  }

  /** The OCI upload sessions (their files live in {@code <dataDir>/oci-uploads}). */
  public OciUploads ociUploads() {
    return ociUploads;
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
    try {
      if (!housekeeping.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS)) {
        log.warn("housekeeping tasks still running at shutdown");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // jobs and loops were added after what they use: closing in reverse stops and joins them
    // before the index and the blob store are closed
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
