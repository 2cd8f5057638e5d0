package io.berth.node.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.nio.file.Path;
import java.util.List;

/**
 * The node configuration, loaded by {@link ConfigLoader} from YAML plus {@code BERTH_*} environment
 * overrides. Every field has a default, so an empty file is a valid configuration: the embedded
 * default (local disk, RocksDB) on port 8080 with data in {@code ./berth-data}. The commented
 * example is {@code deploy/berth.example.yaml}.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record NodeConfig(
    NodeSection node,
    HttpSection http,
    StorageSection storage,
    GoSection go,
    SumdbSection sumdb,
    OciSection oci,
    ClusterSection cluster,
    EventsSection events) {

  public NodeConfig {
    events = events == null ? EventsSection.defaults() : events;
    node = node == null ? NodeSection.defaults() : node;
    http = http == null ? HttpSection.defaults() : http;
    storage = storage == null ? StorageSection.defaults() : storage;
    go = go == null ? GoSection.defaults() : go;
    sumdb = sumdb == null ? SumdbSection.defaults() : sumdb;
    oci = oci == null ? OciSection.defaults() : oci;
    cluster = cluster == null ? ClusterSection.defaults() : cluster;
  }

  /** The configuration without an events section (defaults). */
  public NodeConfig(
      NodeSection node,
      HttpSection http,
      StorageSection storage,
      GoSection go,
      SumdbSection sumdb,
      OciSection oci,
      ClusterSection cluster) {
    this(node, http, storage, go, sumdb, oci, cluster, null);
  }

  public static NodeConfig defaults() {
    return new NodeConfig(null, null, null, null, null, null, null, null);
  }

  /** A copy with another events section. */
  public NodeConfig withEvents(EventsSection events) {
    return new NodeConfig(node, http, storage, go, sumdb, oci, cluster, events);
  }

  /** A copy with another HTTP port. */
  public NodeConfig withHttpPort(int port) {
    return new NodeConfig(
        node,
        new HttpSection(
            http.host(),
            port,
            http.workerThreads(),
            http.accessLog(),
            http.bodyTimeoutSeconds(),
            http.grpcPort()),
        storage,
        go,
        sumdb,
        oci,
        cluster,
        events);
  }

  /** A copy with another data directory. */
  public NodeConfig withDataDir(String dataDir) {
    return new NodeConfig(
        node,
        http,
        new StorageSection(
            storage.type(),
            dataDir,
            storage.sharedBlobDir(),
            storage.s3(),
            storage.gc(),
            storage.scrub()),
        go,
        sumdb,
        oci,
        cluster,
        events);
  }

  /** A copy with another storage section. */
  public NodeConfig withStorage(StorageSection storage) {
    return new NodeConfig(node, http, storage, go, sumdb, oci, cluster, events);
  }

  /** A copy with another Go section. */
  public NodeConfig withGo(GoSection go) {
    return new NodeConfig(node, http, storage, go, sumdb, oci, cluster, events);
  }

  /** A copy with another sumdb section. */
  public NodeConfig withSumdb(SumdbSection sumdb) {
    return new NodeConfig(node, http, storage, go, sumdb, oci, cluster, events);
  }

  /** A copy with another OCI section. */
  public NodeConfig withOci(OciSection oci) {
    return new NodeConfig(node, http, storage, go, sumdb, oci, cluster, events);
  }

  /** A copy with another cluster section. */
  public NodeConfig withCluster(ClusterSection cluster) {
    return new NodeConfig(node, http, storage, go, sumdb, oci, cluster, events);
  }

  /**
   * Identity of this node. {@code mode} is {@code primary} (the default) or {@code replica}: a node
   * of a DR replica region serves reads and replicated changes but refuses client writes until the
   * region is promoted ({@code berth promote}, recorded in ZooKeeper).
   */
  public record NodeSection(String id, String region, String mode) {
    public NodeSection {
      id = id == null || id.isBlank() ? defaultId() : id;
      region = region == null || region.isBlank() ? "local" : region;
      mode = mode == null || mode.isBlank() ? "primary" : mode;
      if (!mode.equals("primary") && !mode.equals("replica")) {
        throw new ConfigException("node.mode must be primary or replica, not '" + mode + "'");
      }
    }

    public NodeSection(String id, String region) {
      this(id, region, null);
    }

    static NodeSection defaults() {
      return new NodeSection(null, null, null);
    }

    /** Whether this node belongs to a DR replica region. */
    public boolean replica() {
      return mode.equals("replica");
    }

    private static String defaultId() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        return "node-1";
      }
    }
  }

  /**
   * The HTTP listener, and the gRPC listener the replicator uses ({@code grpcPort}: -1 off, 0 any
   * free port; same host).
   */
  public record HttpSection(
      String host,
      Integer port,
      Integer workerThreads,
      Boolean accessLog,
      Long bodyTimeoutSeconds,
      Integer grpcPort) {
    public HttpSection {
      grpcPort = grpcPort == null ? -1 : grpcPort;
      bodyTimeoutSeconds = bodyTimeoutSeconds == null ? 60L : bodyTimeoutSeconds;
      host = host == null ? "0.0.0.0" : host;
      port = port == null ? 8080 : port;
      workerThreads = workerThreads == null ? 64 : workerThreads;
      accessLog = accessLog == null ? Boolean.TRUE : accessLog;
    }

    public HttpSection(
        String host,
        Integer port,
        Integer workerThreads,
        Boolean accessLog,
        Long bodyTimeoutSeconds) {
      this(host, port, workerThreads, accessLog, bodyTimeoutSeconds, null);
    }

    static HttpSection defaults() {
      return new HttpSection(null, null, null, null, null, null);
    }
  }

  /**
   * Where blobs and the index live. Blobs go to {@code <dataDir>/blobs} unless {@code
   * sharedBlobDir} is set: several nodes of a region may share one blob directory (like a shared
   * bucket) but never an index. With {@code type: s3} blobs live in the {@code s3} bucket. {@code
   * gc} and {@code scrub} configure the maintenance jobs over the blob store.
   */
  public record StorageSection(
      String type,
      String dataDir,
      String sharedBlobDir,
      S3Section s3,
      GcSection gc,
      ScrubSection scrub) {
    public StorageSection {
      type = type == null ? "file" : type;
      dataDir = dataDir == null ? "./berth-data" : dataDir;
      sharedBlobDir = sharedBlobDir == null ? "" : sharedBlobDir;
      s3 = s3 == null ? S3Section.defaults() : s3;
      gc = gc == null ? GcSection.defaults() : gc;
      scrub = scrub == null ? ScrubSection.defaults() : scrub;
    }

    public StorageSection(String type, String dataDir, String sharedBlobDir) {
      this(type, dataDir, sharedBlobDir, null, null, null);
    }

    public StorageSection(String type, String dataDir) {
      this(type, dataDir, null);
    }

    static StorageSection defaults() {
      return new StorageSection(null, null, null);
    }

    /** A copy with another S3 section and {@code type: s3}. */
    public StorageSection withS3(S3Section s3) {
      return new StorageSection("s3", dataDir, sharedBlobDir, s3, gc, scrub);
    }

    /** A copy with another GC section. */
    public StorageSection withGc(GcSection gc) {
      return new StorageSection(type, dataDir, sharedBlobDir, s3, gc, scrub);
    }

    /** A copy with another scrub section. */
    public StorageSection withScrub(ScrubSection scrub) {
      return new StorageSection(type, dataDir, sharedBlobDir, s3, gc, scrub);
    }

    public Path blobDir() {
      return sharedBlobDir.isEmpty() ? Path.of(dataDir).resolve("blobs") : Path.of(sharedBlobDir);
    }

    public Path indexDir() {
      return Path.of(dataDir).resolve("index");
    }

    /** Whether other nodes may write to the same blobs (a bucket or a shared directory). */
    public boolean sharedBlobs() {
      return type.equals("s3") || !sharedBlobDir.isEmpty();
    }
  }

  /**
   * The S3-compatible bucket for {@code storage.type: s3} (MinIO, Ceph, AWS S3), addressed
   * path-style. Empty credentials fall back to {@code AWS_ACCESS_KEY_ID} / {@code
   * AWS_SECRET_ACCESS_KEY}. Blobs are uploaded in parts of {@code partSizeBytes} (at least 5 MiB)
   * with at most {@code maxPartsInFlight} parts uploading at once per blob. Failed requests are
   * retried {@code maxAttempts} times in total with exponential backoff from {@code
   * retryBaseMillis}. Multipart uploads older than {@code incompleteUploadMaxAgeMinutes} are
   * aborted at start (they belong to dead writers). {@code presignedRedirectMinBytes} &gt; 0 lets
   * blob GETs of at least that size answer with a redirect to a presigned URL.
   */
  public record S3Section(
      String endpoint,
      String region,
      String bucket,
      String accessKey,
      String secretKey,
      String prefix,
      Boolean createBucket,
      Long partSizeBytes,
      Integer maxPartsInFlight,
      Long requestTimeoutSeconds,
      Integer maxAttempts,
      Long retryBaseMillis,
      Long incompleteUploadMaxAgeMinutes,
      Long presignedRedirectMinBytes,
      Long presignedExpirySeconds,
      Long readinessCacheMillis) {
    public S3Section {
      endpoint = endpoint == null ? "http://127.0.0.1:9000" : endpoint;
      region = region == null ? "us-east-1" : region;
      bucket = bucket == null ? "berth" : bucket;
      accessKey = accessKey == null ? "" : accessKey;
      secretKey = secretKey == null ? "" : secretKey;
      prefix = prefix == null ? "" : prefix;
      createBucket = createBucket == null ? Boolean.TRUE : createBucket;
      partSizeBytes = partSizeBytes == null ? 8L << 20 : Math.max(5L << 20, partSizeBytes);
      maxPartsInFlight = maxPartsInFlight == null ? 2 : Math.max(1, maxPartsInFlight);
      requestTimeoutSeconds = requestTimeoutSeconds == null ? 30L : requestTimeoutSeconds;
      maxAttempts = maxAttempts == null ? 3 : Math.max(1, maxAttempts);
      retryBaseMillis = retryBaseMillis == null ? 200L : retryBaseMillis;
      incompleteUploadMaxAgeMinutes =
          incompleteUploadMaxAgeMinutes == null ? 24L * 60 : incompleteUploadMaxAgeMinutes;
      presignedRedirectMinBytes =
          presignedRedirectMinBytes == null ? 0L : presignedRedirectMinBytes;
      presignedExpirySeconds = presignedExpirySeconds == null ? 300L : presignedExpirySeconds;
      readinessCacheMillis = readinessCacheMillis == null ? 2000L : readinessCacheMillis;
    }

    public static S3Section defaults() {
      return new S3Section(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null, null,
          null);
    }

    /** A section for {@code endpoint}, {@code bucket} and credentials, other settings default. */
    public static S3Section of(String endpoint, String bucket, String accessKey, String secretKey) {
      return new S3Section(
          endpoint, null, bucket, accessKey, secretKey, null, null, null, null, null, null, null,
          null, null, null, null);
    }

    /** A copy with another request timeout and retry budget. */
    public S3Section withRetries(long requestTimeoutSeconds, int maxAttempts, long baseMillis) {
      return new S3Section(
          endpoint,
          region,
          bucket,
          accessKey,
          secretKey,
          prefix,
          createBucket,
          partSizeBytes,
          maxPartsInFlight,
          requestTimeoutSeconds,
          maxAttempts,
          baseMillis,
          incompleteUploadMaxAgeMinutes,
          presignedRedirectMinBytes,
          presignedExpirySeconds,
          readinessCacheMillis);
    }

    /** A copy with presigned redirects for blobs of at least {@code minBytes} (0: off). */
    public S3Section withPresignedRedirect(long minBytes) {
      return new S3Section(
          endpoint,
          region,
          bucket,
          accessKey,
          secretKey,
          prefix,
          createBucket,
          partSizeBytes,
          maxPartsInFlight,
          requestTimeoutSeconds,
          maxAttempts,
          retryBaseMillis,
          incompleteUploadMaxAgeMinutes,
          minBytes,
          presignedExpirySeconds,
          readinessCacheMillis);
    }
  }

  /**
   * Garbage collection of unreferenced blobs. With {@code enabled}, the GC owner (the ZooKeeper
   * leader, or the holder of the local lock file) sweeps every {@code intervalMinutes}, first after
   * {@code initialDelayMinutes}. Only blobs unreferenced by the index and not written or
   * re-referenced for {@code graceMinutes} are deleted. {@code dryRun} only reports. On shared
   * blobs (s3, sharedBlobDir) without {@code cluster.zookeeper} the schedule does not run, because
   * no single owner can be guaranteed; {@code berth gc} still can.
   */
  public record GcSection(
      Boolean enabled,
      Long intervalMinutes,
      Long initialDelayMinutes,
      Long graceMinutes,
      Boolean dryRun) {
    public GcSection {
      enabled = enabled == null ? Boolean.TRUE : enabled;
      intervalMinutes = intervalMinutes == null ? 360L : Math.max(1, intervalMinutes);
      initialDelayMinutes = initialDelayMinutes == null ? 30L : initialDelayMinutes;
      graceMinutes = graceMinutes == null ? 24L * 60 : graceMinutes;
      dryRun = dryRun == null ? Boolean.FALSE : dryRun;
    }

    public static GcSection defaults() {
      return new GcSection(null, null, null, null, null);
    }
  }

  /**
   * Integrity scrub: re-hashes every stored blob at most {@code bytesPerSecond}, every {@code
   * intervalHours} (first after {@code initialDelayMinutes}). Corrupt blobs are counted ({@code
   * berth_scrub_corrupt_total}), logged, quarantined (with {@code quarantine}) and re-fetched from
   * upstream when possible (with {@code repair}).
   */
  public record ScrubSection(
      Boolean enabled,
      Long intervalHours,
      Long initialDelayMinutes,
      Long bytesPerSecond,
      Boolean quarantine,
      Boolean repair) {
    public ScrubSection {
      enabled = enabled == null ? Boolean.TRUE : enabled;
      intervalHours = intervalHours == null ? 24L * 7 : Math.max(1, intervalHours);
      initialDelayMinutes = initialDelayMinutes == null ? 60L : initialDelayMinutes;
      bytesPerSecond = bytesPerSecond == null ? 50L << 20 : Math.max(1, bytesPerSecond);
      quarantine = quarantine == null ? Boolean.TRUE : quarantine;
      repair = repair == null ? Boolean.TRUE : repair;
    }

    public static ScrubSection defaults() {
      return new ScrubSection(null, null, null, null, null, null);
    }
  }

  /**
   * The Go module proxy. {@code upstreams} uses the GOPROXY syntax ({@code ,} falls through on
   * 404/410 only, {@code |} on any error); {@code off} or empty means no upstream. {@code
   * privatePatterns} are GOPRIVATE-style globs. Only module paths matching {@code publishPatterns}
   * (the same globs; empty, the default: {@code privatePatterns}) may be published, so a public
   * module can never be shadowed by a published one.
   */
  public record GoSection(
      String upstreams,
      List<String> privatePatterns,
      Long listTtlSeconds,
      Long maxZipBytes,
      Long upstreamTimeoutSeconds,
      String verifyWithSumdb,
      List<String> publishPatterns) {
    public GoSection {
      upstreams = upstreams == null ? "https://proxy.golang.org" : upstreams;
      privatePatterns = privatePatterns == null ? List.of() : List.copyOf(privatePatterns);
      listTtlSeconds = listTtlSeconds == null ? 60L : listTtlSeconds;
      maxZipBytes = maxZipBytes == null ? 500L << 20 : maxZipBytes;
      upstreamTimeoutSeconds = upstreamTimeoutSeconds == null ? 60L : upstreamTimeoutSeconds;
      verifyWithSumdb = verifyWithSumdb == null ? "" : verifyWithSumdb;
      publishPatterns = publishPatterns == null ? List.of() : List.copyOf(publishPatterns);
    }

    /** The patterns of publishable module paths: {@code publishPatterns}, or if empty private. */
    public List<String> effectivePublishPatterns() {
      return publishPatterns.isEmpty() ? privatePatterns : publishPatterns;
    }

    /** A Go section whose publish patterns are its private patterns. */
    public GoSection(
        String upstreams,
        List<String> privatePatterns,
        Long listTtlSeconds,
        Long maxZipBytes,
        Long upstreamTimeoutSeconds,
        String verifyWithSumdb) {
      this(
          upstreams,
          privatePatterns,
          listTtlSeconds,
          maxZipBytes,
          upstreamTimeoutSeconds,
          verifyWithSumdb,
          null);
    }

    /** A copy with other publish patterns. */
    public GoSection withPublishPatterns(List<String> patterns) {
      return new GoSection(
          upstreams,
          privatePatterns,
          listTtlSeconds,
          maxZipBytes,
          upstreamTimeoutSeconds,
          verifyWithSumdb,
          patterns);
    }

    static GoSection defaults() {
      return new GoSection(null, null, null, null, null, null);
    }
  }

  /** Checksum databases this node proxies under {@code /sumdb/<name>/}. */
  public record SumdbSection(List<SumdbDatabase> databases, Long latestTtlSeconds) {
    public SumdbSection {
      databases =
          databases == null
              ? List.of(
                  new SumdbDatabase(
                      "sum.golang.org",
                      "https://sum.golang.org",
                      "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8"))
              : List.copyOf(databases);
      latestTtlSeconds = latestTtlSeconds == null ? 60L : latestTtlSeconds;
    }

    static SumdbSection defaults() {
      return new SumdbSection(null, null);
    }
  }

  /** One checksum database: its name, upstream URL and verifier key ({@code name+hash+key}). */
  public record SumdbDatabase(String name, String url, String verifierKey) {}

  /**
   * The OCI distribution API ({@code /v2/}). Upload sessions idle for {@code uploadExpirySeconds}
   * are removed with their bytes by a sweep every {@code uploadSweepSeconds}. {@code upstreams}
   * maps repository prefixes to upstream registries (pull-through cache, read-only for clients);
   * repositories matching {@code privatePatterns} (GOPRIVATE-style globs on repository names) are
   * never fetched upstream, even under a prefix.
   */
  public record OciSection(
      Long maxManifestBytes,
      Long uploadExpirySeconds,
      Long uploadSweepSeconds,
      List<OciUpstream> upstreams,
      List<String> privatePatterns,
      Long upstreamTimeoutSeconds) {
    public OciSection {
      maxManifestBytes = maxManifestBytes == null ? 4L << 20 : maxManifestBytes;
      uploadExpirySeconds = uploadExpirySeconds == null ? 24L * 3600 : uploadExpirySeconds;
      uploadSweepSeconds = uploadSweepSeconds == null ? 300L : uploadSweepSeconds;
      upstreams = upstreams == null ? List.of() : List.copyOf(upstreams);
      privatePatterns = privatePatterns == null ? List.of() : List.copyOf(privatePatterns);
      upstreamTimeoutSeconds = upstreamTimeoutSeconds == null ? 60L : upstreamTimeoutSeconds;
    }

    public OciSection(Long maxManifestBytes, Long uploadExpirySeconds, Long uploadSweepSeconds) {
      this(maxManifestBytes, uploadExpirySeconds, uploadSweepSeconds, null, null, null);
    }

    public OciSection(Long maxManifestBytes, Long uploadExpirySeconds) {
      this(maxManifestBytes, uploadExpirySeconds, null);
    }

    static OciSection defaults() {
      return new OciSection(null, null, null);
    }

    /** A copy with other upstreams and private patterns. */
    public OciSection withUpstreams(List<OciUpstream> upstreams, List<String> privatePatterns) {
      return new OciSection(
          maxManifestBytes,
          uploadExpirySeconds,
          uploadSweepSeconds,
          upstreams,
          privatePatterns,
          upstreamTimeoutSeconds);
    }
  }

  /**
   * One upstream registry of the OCI pull-through cache: repository {@code <prefix>/<name>} is
   * {@code <remotePrefix>/<name>} (or {@code <name>} without a remote prefix) at {@code url}.
   * {@code username}/{@code password} are optional (Docker token auth or basic auth). Tags are
   * revalidated with the upstream after {@code tagTtlSeconds}.
   */
  public record OciUpstream(
      String prefix,
      String url,
      String username,
      String password,
      Long tagTtlSeconds,
      String remotePrefix) {
    public OciUpstream {
      prefix = prefix == null ? "" : prefix;
      url = url == null ? "" : url;
      username = username == null ? "" : username;
      password = password == null ? "" : password;
      tagTtlSeconds = tagTtlSeconds == null ? 300L : tagTtlSeconds;
      remotePrefix = remotePrefix == null ? "" : remotePrefix;
    }

    public OciUpstream(String prefix, String url) {
      this(prefix, url, null, null, null, null);
    }

    /** Never shows the password. */
    @Override
    public String toString() {
      return "OciUpstream[prefix="
          + prefix
          + ", url="
          + url
          + ", username="
          + username
          + ", password="
          + (password.isEmpty() ? "" : "***")
          + ", tagTtlSeconds="
          + tagTtlSeconds
          + ", remotePrefix="
          + remotePrefix
          + "]";
    }
  }

  /**
   * Cluster membership. Empty {@code zookeeper} means a standalone node (the embedded default).
   * {@code advertiseUrl} is the HTTP address other parts and clients use to reach this node (empty:
   * derived from http.host and the port). With ZooKeeper set the node registers for the
   * coordinator, rewrites its record every {@code heartbeatMs} and times its peers and the
   * coordinators every {@code probeIntervalMs}. {@code peers} names one node of each other region
   * as {@code <region>=<url>}, for the "which regions hold this artifact" API.
   */
  public record ClusterSection(
      String zookeeper,
      String advertiseUrl,
      Integer sessionTimeoutMs,
      Long heartbeatMs,
      Long probeIntervalMs,
      Long probeTimeoutMs,
      List<String> peers) {
    public ClusterSection {
      zookeeper = zookeeper == null ? "" : zookeeper;
      advertiseUrl = advertiseUrl == null ? "" : advertiseUrl;
      sessionTimeoutMs = sessionTimeoutMs == null ? 10_000 : sessionTimeoutMs;
      heartbeatMs = heartbeatMs == null ? 1_000L : heartbeatMs;
      probeIntervalMs = probeIntervalMs == null ? 1_000L : probeIntervalMs;
      probeTimeoutMs = probeTimeoutMs == null ? 2_000L : probeTimeoutMs;
      peers = peers == null ? List.of() : List.copyOf(peers);
    }

    public ClusterSection(
        String zookeeper,
        String advertiseUrl,
        Integer sessionTimeoutMs,
        Long heartbeatMs,
        Long probeIntervalMs,
        Long probeTimeoutMs) {
      this(
          zookeeper,
          advertiseUrl,
          sessionTimeoutMs,
          heartbeatMs,
          probeIntervalMs,
          probeTimeoutMs,
          null);
    }

    public ClusterSection(
        String zookeeper, String advertiseUrl, Integer sessionTimeoutMs, List<String> peers) {
      this(zookeeper, advertiseUrl, sessionTimeoutMs, null, null, null, peers);
    }

    public ClusterSection(String zookeeper, String advertiseUrl, Integer sessionTimeoutMs) {
      this(zookeeper, advertiseUrl, sessionTimeoutMs, null, null, null, null);
    }

    static ClusterSection defaults() {
      return new ClusterSection(null, null, null, null);
    }
  }

  /**
   * The change log. Events are always written to the local outbox; with {@code kafkaBootstrap} set
   * they are also relayed to the region topic and other nodes' events are applied from it.
   */
  public record EventsSection(
      String kafkaBootstrap,
      String topic,
      Boolean createTopic,
      Integer partitions,
      Short replicationFactor,
      Integer minInsyncReplicas,
      Long outboxRetentionHours,
      Long relayDelayMillis) {
    public EventsSection {
      kafkaBootstrap = kafkaBootstrap == null ? "" : kafkaBootstrap;
      topic = topic == null ? "" : topic;
      createTopic = createTopic == null ? Boolean.TRUE : createTopic;
      partitions = partitions == null ? 6 : partitions;
      replicationFactor = replicationFactor == null ? (short) 3 : replicationFactor;
      minInsyncReplicas = minInsyncReplicas == null ? 2 : minInsyncReplicas;
      outboxRetentionHours = outboxRetentionHours == null ? 24L * 7 : outboxRetentionHours;
      relayDelayMillis = relayDelayMillis == null ? 0L : relayDelayMillis;
    }

    static EventsSection defaults() {
      return new EventsSection(null, null, null, null, null, null, null, null);
    }

    /** The region topic: {@code topic} if set, else {@code berth.<region>.changes}. */
    public String topicFor(String region) {
      return topic.isEmpty() ? "berth." + region + ".changes" : topic;
    }
  }
}
