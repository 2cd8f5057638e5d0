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
    return new NodeConfig(node, http.withPort(port), storage, go, sumdb, oci, cluster, events);
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
   * free port). The gRPC listener binds {@code grpcHost} (empty: the HTTP host); bind it to a
   * private or loopback address. With {@code grpcToken} set, every replication call must carry
   * {@code authorization: Bearer <token>} (the replicator's {@code regions.<name>.token}) or is
   * refused UNAUTHENTICATED. A link owner's epoch may rise by at most {@code grpcMaxEpochJump} over
   * the highest this node admitted for the link (0: unbounded); see ADR 0016.
   */
  public record HttpSection(
      String host,
      Integer port,
      Integer workerThreads,
      Boolean accessLog,
      Long bodyTimeoutSeconds,
      Integer grpcPort,
      String grpcHost,
      String grpcToken,
      Long grpcMaxEpochJump) {
    /** 1024 ZooKeeper leader epochs: zxids carry the leader epoch in their high 32 bits. */
    public static final long DEFAULT_MAX_EPOCH_JUMP = 1L << 42;

    public HttpSection {
      grpcPort = grpcPort == null ? -1 : grpcPort;
      bodyTimeoutSeconds = bodyTimeoutSeconds == null ? 60L : bodyTimeoutSeconds;
      host = host == null ? "0.0.0.0" : host;
      port = port == null ? 8080 : port;
      workerThreads = workerThreads == null ? 64 : workerThreads;
      accessLog = accessLog == null ? Boolean.TRUE : accessLog;
      grpcHost = grpcHost == null ? "" : grpcHost;
      grpcToken = grpcToken == null ? "" : grpcToken;
      grpcMaxEpochJump = grpcMaxEpochJump == null ? DEFAULT_MAX_EPOCH_JUMP : grpcMaxEpochJump;
      if (grpcMaxEpochJump < 0) {
        throw new ConfigException("http.grpcMaxEpochJump must be >= 0 (0: unbounded)");
      }
    }

    public HttpSection(
        String host,
        Integer port,
        Integer workerThreads,
        Boolean accessLog,
        Long bodyTimeoutSeconds,
        Integer grpcPort) {
      this(host, port, workerThreads, accessLog, bodyTimeoutSeconds, grpcPort, null, null, null);
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

    /** The address the gRPC listener binds. */
    public String grpcBindHost() {
      return grpcHost.isBlank() ? host : grpcHost;
    }

    /** A copy with another port. */
    public HttpSection withPort(int port) {
      return new HttpSection(
          host,
          port,
          workerThreads,
          accessLog,
          bodyTimeoutSeconds,
          grpcPort,
          grpcHost,
          grpcToken,
          grpcMaxEpochJump);
    }

    /** Never shows the token. */
    @Override
    public String toString() {
      return "HttpSection[host="
          + host
          + ", port="
          + port
          + ", workerThreads="
          + workerThreads
          + ", accessLog="
          + accessLog
          + ", bodyTimeoutSeconds="
          + bodyTimeoutSeconds
          + ", grpcPort="
          + grpcPort
          + ", grpcHost="
          + grpcHost
          + ", grpcToken="
          + (grpcToken.isEmpty() ? "" : "***")
          + ", grpcMaxEpochJump="
          + grpcMaxEpochJump
          + "]";
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
   * blob GETs of at least that size answer with a redirect to a presigned URL. Part buffers of all
   * concurrent puts together stay within {@code maxBufferBytes} (0: a quarter of the heap); a put
   * that finds the budget used up waits at most {@code bufferWaitMillis}, then fails as storage
   * busy (503 + Retry-After).
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
      Long readinessCacheMillis,
      Long maxBufferBytes,
      Long bufferWaitMillis,
      LocalCacheSection localCache) {
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
      maxBufferBytes = maxBufferBytes == null ? 0L : Math.max(0L, maxBufferBytes);
      bufferWaitMillis = bufferWaitMillis == null ? 30_000L : Math.max(0L, bufferWaitMillis);
      localCache = localCache == null ? LocalCacheSection.defaults() : localCache;
    }

    /**
     * The upload buffer budget of the node: {@code maxBufferBytes}, or when that is 0 a quarter of
     * {@code maxHeapBytes}; never less than one part.
     */
    public long bufferBudget(long maxHeapBytes) {
      long b = maxBufferBytes > 0 ? maxBufferBytes : maxHeapBytes / 4;
      return Math.max(Math.min(partSizeBytes, 512L << 20), b);
    }

    public static S3Section defaults() {
      return new Copy().build();
    }

    /** A section for {@code endpoint}, {@code bucket} and credentials, other settings default. */
    public static S3Section of(String endpoint, String bucket, String accessKey, String secretKey) {
      Copy c = new Copy();
      c.endpoint = endpoint;
      c.bucket = bucket;
      c.accessKey = accessKey;
      c.secretKey = secretKey;
      return c.build();
    }

    /** A copy with another request timeout and retry budget. */
    public S3Section withRetries(long requestTimeoutSeconds, int maxAttempts, long baseMillis) {
      Copy c = new Copy(this);
      c.requestTimeoutSeconds = requestTimeoutSeconds;
      c.maxAttempts = maxAttempts;
      c.retryBaseMillis = baseMillis;
      return c.build();
    }

    /** A copy with another upload buffer budget and wait. */
    public S3Section withBuffers(long maxBufferBytes, long bufferWaitMillis) {
      Copy c = new Copy(this);
      c.maxBufferBytes = maxBufferBytes;
      c.bufferWaitMillis = bufferWaitMillis;
      return c.build();
    }

    /** A copy with presigned redirects for blobs of at least {@code minBytes} (0: off). */
    public S3Section withPresignedRedirect(long minBytes) {
      Copy c = new Copy(this);
      c.presignedRedirectMinBytes = minBytes;
      return c.build();
    }

    /** A copy with another node-local read cache section. */
    public S3Section withLocalCache(LocalCacheSection localCache) {
      Copy c = new Copy(this);
      c.localCache = localCache;
      return c.build();
    }

    /**
     * The one place that lists every setting besides the record header: the factories and {@code
     * with*} copies change a few fields of a {@code Copy} and build it, so the constructor's
     * defaults and bounds apply to every result. A null field means the default.
     */
    private static final class Copy {
      private String endpoint;
      private String region;
      private String bucket;
      private String accessKey;
      private String secretKey;
      private String prefix;
      private Boolean createBucket;
      private Long partSizeBytes;
      private Integer maxPartsInFlight;
      private Long requestTimeoutSeconds;
      private Integer maxAttempts;
      private Long retryBaseMillis;
      private Long incompleteUploadMaxAgeMinutes;
      private Long presignedRedirectMinBytes;
      private Long presignedExpirySeconds;
      private Long readinessCacheMillis;
      private Long maxBufferBytes;
      private Long bufferWaitMillis;
      private LocalCacheSection localCache;

      Copy() {}

      Copy(S3Section s) {
        endpoint = s.endpoint;
        region = s.region;
        bucket = s.bucket;
        accessKey = s.accessKey;
        secretKey = s.secretKey;
        prefix = s.prefix;
        createBucket = s.createBucket;
        partSizeBytes = s.partSizeBytes;
        maxPartsInFlight = s.maxPartsInFlight;
        requestTimeoutSeconds = s.requestTimeoutSeconds;
        maxAttempts = s.maxAttempts;
        retryBaseMillis = s.retryBaseMillis;
        incompleteUploadMaxAgeMinutes = s.incompleteUploadMaxAgeMinutes;
        presignedRedirectMinBytes = s.presignedRedirectMinBytes;
        presignedExpirySeconds = s.presignedExpirySeconds;
        readinessCacheMillis = s.readinessCacheMillis;
        maxBufferBytes = s.maxBufferBytes;
        bufferWaitMillis = s.bufferWaitMillis;
        localCache = s.localCache;
      }

      S3Section build() {
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
            presignedRedirectMinBytes,
            presignedExpirySeconds,
            readinessCacheMillis,
            maxBufferBytes,
            bufferWaitMillis,
            localCache);
      }
    }
  }

  /**
   * The node-local read cache in front of the bucket (ADR 0017): blobs of at most {@code
   * maxBlobBytes} are copied to {@code dir} (default {@code <dataDir>/blob-cache}) on their first
   * read, verified against their digest, and later reads are served from local disk (zero-copy).
   * The least recently read blobs are evicted when the cache holds more than {@code maxBytes}. With
   * {@code fillOnWrite} (off by default), a blob this node stores is kept in the cache as it is
   * uploaded (the bytes the bucket verified), so the pull or replicator copy that follows a push
   * reads local disk instead of downloading it again (ADR 0026).
   */
  public record LocalCacheSection(
      Boolean enabled, String dir, Long maxBytes, Long maxBlobBytes, Boolean fillOnWrite) {
    public LocalCacheSection {
      fillOnWrite = fillOnWrite == null ? Boolean.FALSE : fillOnWrite;
      enabled = enabled == null ? Boolean.TRUE : enabled;
      dir = dir == null ? "" : dir;
      maxBytes = maxBytes == null ? 10L << 30 : Math.max(0, maxBytes);
      maxBlobBytes = maxBlobBytes == null ? 256L << 20 : Math.max(0, maxBlobBytes);
    }

    public static LocalCacheSection defaults() {
      return new LocalCacheSection(null, null, null, null, null);
    }

    /** The cache directory: {@code dir}, or {@code <dataDir>/blob-cache} when empty. */
    public Path dirUnder(String dataDir) {
      return dir.isEmpty() ? Path.of(dataDir).resolve("blob-cache") : Path.of(dir);
    }
  }

  /**
   * Garbage collection of unreferenced blobs. With {@code enabled}, the GC owner (the ZooKeeper
   * leader, or the holder of the local lock file) sweeps every {@code intervalMinutes}, first after
   * {@code initialDelayMinutes}. Only blobs unreferenced by the index and not written or
   * re-referenced for {@code graceMinutes} are deleted. {@code dryRun} only reports. On shared
   * blobs (s3, sharedBlobDir) a run deletes only when the owner is a ZooKeeper election and the
   * node applies the region log (Kafka) and has caught up; otherwise it is refused and the reason
   * reported (ADR 0008). {@code soleWriter} declares that this node is the only one writing to its
   * bucket or shared directory (a single-node S3 deployment), so GC treats the storage as its own.
   */
  public record GcSection(
      Boolean enabled,
      Long intervalMinutes,
      Long initialDelayMinutes,
      Long graceMinutes,
      Boolean dryRun,
      Boolean soleWriter) {
    public GcSection {
      enabled = enabled == null ? Boolean.TRUE : enabled;
      intervalMinutes = intervalMinutes == null ? 360L : Math.max(1, intervalMinutes);
      initialDelayMinutes = initialDelayMinutes == null ? 30L : initialDelayMinutes;
      graceMinutes = graceMinutes == null ? 24L * 60 : graceMinutes;
      dryRun = dryRun == null ? Boolean.FALSE : dryRun;
      soleWriter = soleWriter == null ? Boolean.FALSE : soleWriter;
    }

    /** A section whose storage is not declared sole-written. */
    public GcSection(
        Boolean enabled,
        Long intervalMinutes,
        Long initialDelayMinutes,
        Long graceMinutes,
        Boolean dryRun) {
      this(enabled, intervalMinutes, initialDelayMinutes, graceMinutes, dryRun, null);
    }

    /** A copy with another grace period. */
    public GcSection withGraceMinutes(long minutes) {
      return new GcSection(
          enabled, intervalMinutes, initialDelayMinutes, minutes, dryRun, soleWriter);
    }

    /** A copy with {@code soleWriter}. */
    public GcSection withSoleWriter(boolean sole) {
      return new GcSection(
          enabled, intervalMinutes, initialDelayMinutes, graceMinutes, dryRun, sole);
    }

    public static GcSection defaults() {
      return new GcSection(null, null, null, null, null, null);
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

    /** A copy with another read rate. */
    public ScrubSection withBytesPerSecond(long rate) {
      return new ScrubSection(
          enabled, intervalHours, initialDelayMinutes, rate, quarantine, repair);
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
   *
   * <ul>
   *   <li>{@code outboxRetentionHours}: published outbox events older than this are trimmed.
   *   <li>{@code localRetentionHours}: without Kafka nothing is ever published and the outbox is
   *       the node's complete local log; it is kept forever (0, the default) or trimmed after this
   *       many hours.
   *   <li>{@code maxClockSkewMillis}: remote clock readings further ahead than this are clamped to
   *       the bound (so ordering holds), logged and counted ({@code berth_hlc_skewed_readings}).
   *   <li>{@code readYourWritesWaitMillis}: how long an OCI manifest or blob GET that misses may
   *       wait for the applier to catch up with the region log's current end (0: never wait).
   *   <li>{@code readYourWritesTagGraceMillis}: a tag that is still missing after the catch-up is
   *       looked for again for this long (its event may still be on its way from the writing node
   *       to the log); a digest whose bytes are already in the region's store is looked for for the
   *       whole {@code readYourWritesWaitMillis}.
   *   <li>{@code readyWithoutLogAfterSeconds}: a node whose index caught up with the region log
   *       once (in an earlier run) but cannot reach the log since start becomes ready after this
   *       long anyway, serving what it holds (metric {@code berth_events_serving_without_log}); an
   *       empty node never does. 0: never.
   *   <li>{@code relayDelayMillis}: tests only, a delay before each relay batch.
   *   <li>{@code applyDelayMillis}: tests only, a delay before applying each polled batch.
   *   <li>{@code unsafeSkipOutbox}: benchmarks only, NEVER production: index changes write no
   *       events at all (nothing is replicated); it measures the cost of the change log.
   * </ul>
   */
  public record EventsSection(
      String kafkaBootstrap,
      String topic,
      Boolean createTopic,
      Integer partitions,
      Short replicationFactor,
      Integer minInsyncReplicas,
      Long outboxRetentionHours,
      Long relayDelayMillis,
      Long localRetentionHours,
      Long maxClockSkewMillis,
      Long readYourWritesWaitMillis,
      Boolean unsafeSkipOutbox,
      Long applyDelayMillis,
      Long readYourWritesTagGraceMillis,
      Long readyWithoutLogAfterSeconds) {
    public EventsSection {
      kafkaBootstrap = kafkaBootstrap == null ? "" : kafkaBootstrap;
      topic = topic == null ? "" : topic;
      createTopic = createTopic == null ? Boolean.TRUE : createTopic;
      partitions = partitions == null ? 6 : partitions;
      replicationFactor = replicationFactor == null ? (short) 3 : replicationFactor;
      minInsyncReplicas = minInsyncReplicas == null ? 2 : minInsyncReplicas;
      outboxRetentionHours = outboxRetentionHours == null ? 24L * 7 : outboxRetentionHours;
      relayDelayMillis = relayDelayMillis == null ? 0L : relayDelayMillis;
      localRetentionHours = localRetentionHours == null ? 0L : localRetentionHours;
      maxClockSkewMillis = maxClockSkewMillis == null ? 60_000L : maxClockSkewMillis;
      readYourWritesWaitMillis =
          readYourWritesWaitMillis == null ? 1_000L : readYourWritesWaitMillis;
      unsafeSkipOutbox = unsafeSkipOutbox == null ? Boolean.FALSE : unsafeSkipOutbox;
      applyDelayMillis = applyDelayMillis == null ? 0L : applyDelayMillis;
      readYourWritesTagGraceMillis =
          readYourWritesTagGraceMillis == null ? 100L : readYourWritesTagGraceMillis;
      readyWithoutLogAfterSeconds =
          readyWithoutLogAfterSeconds == null ? 60L : readyWithoutLogAfterSeconds;
    }

    /** The section with the later settings at their defaults. */
    public EventsSection(
        String kafkaBootstrap,
        String topic,
        Boolean createTopic,
        Integer partitions,
        Short replicationFactor,
        Integer minInsyncReplicas,
        Long outboxRetentionHours,
        Long relayDelayMillis) {
      this(
          kafkaBootstrap,
          topic,
          createTopic,
          partitions,
          replicationFactor,
          minInsyncReplicas,
          outboxRetentionHours,
          relayDelayMillis,
          null,
          null,
          null,
          null,
          null,
          null,
          null);
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
