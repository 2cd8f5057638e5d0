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
            http.host(), port, http.workerThreads(), http.accessLog(), http.bodyTimeoutSeconds()),
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
        new StorageSection(storage.type(), dataDir, storage.sharedBlobDir()),
        go,
        sumdb,
        oci,
        cluster,
        events);
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

  /** Identity of this node. */
  public record NodeSection(String id, String region) {
    public NodeSection {
      id = id == null || id.isBlank() ? defaultId() : id;
      region = region == null || region.isBlank() ? "local" : region;
    }

    static NodeSection defaults() {
      return new NodeSection(null, null);
    }

    private static String defaultId() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        return "node-1";
      }
    }
  }

  /** The HTTP listener. */
  public record HttpSection(
      String host,
      Integer port,
      Integer workerThreads,
      Boolean accessLog,
      Long bodyTimeoutSeconds) {
    public HttpSection {
      bodyTimeoutSeconds = bodyTimeoutSeconds == null ? 60L : bodyTimeoutSeconds;
      host = host == null ? "0.0.0.0" : host;
      port = port == null ? 8080 : port;
      workerThreads = workerThreads == null ? 64 : workerThreads;
      accessLog = accessLog == null ? Boolean.TRUE : accessLog;
    }

    static HttpSection defaults() {
      return new HttpSection(null, null, null, null, null);
    }
  }

  /**
   * Where blobs and the index live. Blobs go to {@code <dataDir>/blobs} unless {@code
   * sharedBlobDir} is set: several nodes of a region may share one blob directory (like a shared
   * bucket) but never an index.
   */
  public record StorageSection(String type, String dataDir, String sharedBlobDir) {
    public StorageSection {
      type = type == null ? "file" : type;
      dataDir = dataDir == null ? "./berth-data" : dataDir;
      sharedBlobDir = sharedBlobDir == null ? "" : sharedBlobDir;
    }

    public StorageSection(String type, String dataDir) {
      this(type, dataDir, null);
    }

    static StorageSection defaults() {
      return new StorageSection(null, null, null);
    }

    public Path blobDir() {
      return sharedBlobDir.isEmpty() ? Path.of(dataDir).resolve("blobs") : Path.of(sharedBlobDir);
    }

    public Path indexDir() {
      return Path.of(dataDir).resolve("index");
    }
  }

  /**
   * The Go module proxy. {@code upstreams} uses the GOPROXY syntax ({@code ,} falls through on
   * 404/410 only, {@code |} on any error); {@code off} or empty means no upstream. {@code
   * privatePatterns} are GOPRIVATE-style globs.
   */
  public record GoSection(
      String upstreams,
      List<String> privatePatterns,
      Long listTtlSeconds,
      Long maxZipBytes,
      Long upstreamTimeoutSeconds,
      String verifyWithSumdb) {
    public GoSection {
      upstreams = upstreams == null ? "https://proxy.golang.org" : upstreams;
      privatePatterns = privatePatterns == null ? List.of() : List.copyOf(privatePatterns);
      listTtlSeconds = listTtlSeconds == null ? 60L : listTtlSeconds;
      maxZipBytes = maxZipBytes == null ? 500L << 20 : maxZipBytes;
      upstreamTimeoutSeconds = upstreamTimeoutSeconds == null ? 60L : upstreamTimeoutSeconds;
      verifyWithSumdb = verifyWithSumdb == null ? "" : verifyWithSumdb;
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
   * coordinators every {@code probeIntervalMs}.
   */
  public record ClusterSection(
      String zookeeper,
      String advertiseUrl,
      Integer sessionTimeoutMs,
      Long heartbeatMs,
      Long probeIntervalMs,
      Long probeTimeoutMs) {
    public ClusterSection {
      zookeeper = zookeeper == null ? "" : zookeeper;
      advertiseUrl = advertiseUrl == null ? "" : advertiseUrl;
      sessionTimeoutMs = sessionTimeoutMs == null ? 10_000 : sessionTimeoutMs;
      heartbeatMs = heartbeatMs == null ? 1_000L : heartbeatMs;
      probeIntervalMs = probeIntervalMs == null ? 1_000L : probeIntervalMs;
      probeTimeoutMs = probeTimeoutMs == null ? 2_000L : probeTimeoutMs;
    }

    public ClusterSection(String zookeeper, String advertiseUrl, Integer sessionTimeoutMs) {
      this(zookeeper, advertiseUrl, sessionTimeoutMs, null, null, null);
    }

    static ClusterSection defaults() {
      return new ClusterSection(null, null, null);
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
