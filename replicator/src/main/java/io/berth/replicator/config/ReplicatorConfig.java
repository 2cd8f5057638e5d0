package io.berth.replicator.config;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The replicator configuration, loaded by {@link ConfigLoader} from YAML plus {@code
 * BERTH_REPLICATOR_*} environment overrides. The commented example is {@code
 * deploy/replicator.example.yaml}.
 *
 * @param instanceId this instance's name among the instances sharing the links (default: host name
 *     and process id)
 * @param zookeeper the ZooKeeper connect string; link ownership is elected there
 * @param sessionTimeoutMs the ZooKeeper session timeout: a dead owner's links move to a standby
 *     after about this long
 * @param http the status listener ({@code /status}, {@code /metrics}, {@code /healthz})
 * @param regions the regions, by name
 * @param links the links; every instance is configured with the same links
 */
public record ReplicatorConfig(
    String instanceId,
    String zookeeper,
    Integer sessionTimeoutMs,
    HttpSection http,
    Map<String, RegionSection> regions,
    List<LinkSection> links) {

  public ReplicatorConfig {
    instanceId = instanceId == null || instanceId.isBlank() ? defaultInstanceId() : instanceId;
    zookeeper = zookeeper == null ? "" : zookeeper;
    sessionTimeoutMs = sessionTimeoutMs == null ? 10_000 : sessionTimeoutMs;
    http = http == null ? new HttpSection(null, null) : http;
    regions = regions == null ? Map.of() : new LinkedHashMap<>(regions);
    links = links == null ? List.of() : List.copyOf(links);
  }

  public static ReplicatorConfig defaults() {
    return new ReplicatorConfig(null, null, null, null, null, null);
  }

  private static String defaultInstanceId() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.net.UnknownHostException e) {
      host = "replicator";
    }
    return host + "-" + ProcessHandle.current().pid();
  }

  /**
   * Checks what records cannot: references between sections, required settings.
   *
   * @throws ConfigException naming the first problem
   */
  public ReplicatorConfig validate() {
    if (zookeeper.isBlank()) {
      throw new ConfigException("zookeeper is required (link ownership is elected there)");
    }
    if (links.isEmpty()) {
      throw new ConfigException("no links configured: add at least one under links:");
    }
    for (Map.Entry<String, RegionSection> r : regions.entrySet()) {
      if (!r.getKey().matches("[a-z0-9][a-z0-9._-]*")) {
        throw new ConfigException("region name '" + r.getKey() + "' is invalid");
      }
      if (r.getValue().nodes().isEmpty()) {
        throw new ConfigException("regions." + r.getKey() + ".nodes is empty");
      }
      for (NodeEndpoint n : r.getValue().nodes()) {
        if (n.grpc().isBlank() || !n.grpc().matches("[^:/]+:\\d+")) {
          throw new ConfigException(
              "regions." + r.getKey() + ".nodes: grpc must be host:port, not '" + n.grpc() + "'");
        }
      }
    }
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (LinkSection l : links) {
      String where = "link " + l.source() + "->" + l.target();
      RegionSection src = regions.get(l.source());
      if (src == null) {
        throw new ConfigException(where + ": source region '" + l.source() + "' is not defined");
      }
      if (!regions.containsKey(l.target())) {
        throw new ConfigException(where + ": target region '" + l.target() + "' is not defined");
      }
      if (l.source().equals(l.target())) {
        throw new ConfigException(where + ": source and target must differ");
      }
      if (src.kafkaBootstrap().isBlank()) {
        throw new ConfigException(
            where + ": regions." + l.source() + ".kafkaBootstrap is required (the source log)");
      }
      if (!seen.add(l.source() + "->" + l.target())) {
        throw new ConfigException(where + " is configured twice");
      }
    }
    return this;
  }

  /** The status listener. */
  public record HttpSection(String host, Integer port) {
    public HttpSection {
      host = host == null || host.isBlank() ? "127.0.0.1" : host;
      port = port == null ? 9400 : port;
    }
  }

  /**
   * A region: its log (Kafka bootstrap servers and topic, needed when it is a link's source), its
   * nodes, and the replication token its nodes require ({@code http.grpcToken} on the nodes; empty:
   * none), sent with every call.
   */
  public record RegionSection(
      String kafkaBootstrap,
      String topic,
      List<NodeEndpoint> nodes,
      String token,
      BucketSection bucket) {
    public RegionSection {
      kafkaBootstrap = kafkaBootstrap == null ? "" : kafkaBootstrap;
      topic = topic == null ? "" : topic;
      nodes = nodes == null ? List.of() : List.copyOf(nodes);
      token = token == null ? "" : token;
    }

    public RegionSection(
        String kafkaBootstrap, String topic, List<NodeEndpoint> nodes, String token) {
      this(kafkaBootstrap, topic, nodes, token, null);
    }

    public RegionSection(String kafkaBootstrap, String topic, List<NodeEndpoint> nodes) {
      this(kafkaBootstrap, topic, nodes, null, null);
    }

    /** Never shows the token. */
    @Override
    public String toString() {
      return "RegionSection[kafkaBootstrap="
          + kafkaBootstrap
          + ", topic="
          + topic
          + ", nodes="
          + nodes
          + ", token="
          + (token.isEmpty() ? "" : "***")
          + ", bucket="
          + bucket
          + "]";
    }

    /** The region topic: {@code topic} if set, else {@code berth.<region>.changes}. */
    public String topicFor(String region) {
      return topic.isEmpty() ? "berth." + region + ".changes" : topic;
    }
  }

  /**
   * The region's blob bucket (optional), the one its nodes store blobs in (same endpoint, bucket
   * and prefix as the nodes' {@code storage.s3}). With it, a link into the region keeps copying
   * blobs straight into the bucket while the region's nodes do not answer, and hands the events
   * over once they do (docs/adr/0022-copy-ahead-into-the-bucket.md). Without it, the link waits.
   *
   * @param region the S3 region name used to sign requests (default {@code us-east-1})
   * @param bufferBytes the most blob content the link holds in memory for these writes (default 64
   *     MiB)
   */
  public record BucketSection(
      String endpoint,
      String bucket,
      String region,
      String accessKey,
      String secretKey,
      String prefix,
      Long bufferBytes) {
    public BucketSection {
      endpoint = endpoint == null ? "" : endpoint.trim();
      bucket = bucket == null ? "" : bucket.trim();
      region = region == null || region.isBlank() ? "us-east-1" : region.trim();
      accessKey = accessKey == null ? "" : accessKey;
      secretKey = secretKey == null ? "" : secretKey;
      prefix = prefix == null ? "" : prefix;
      bufferBytes = bufferBytes == null ? 64L << 20 : bufferBytes;
      if (endpoint.isEmpty() || !endpoint.matches("https?://[^/]+/?")) {
        throw new ConfigException(
            "bucket.endpoint must be the S3 server's URL (http://host:port), not '"
                + endpoint
                + "'");
      }
      if (bucket.isEmpty()) {
        throw new ConfigException("bucket.bucket (the bucket's name) is required");
      }
      if (bufferBytes < (8L << 20)) {
        throw new ConfigException("bucket.bufferBytes must be at least 8388608 (one part)");
      }
    }

    /** Never shows the secret key. */
    @Override
    public String toString() {
      return "BucketSection[endpoint="
          + endpoint
          + ", bucket="
          + bucket
          + ", region="
          + region
          + ", prefix="
          + prefix
          + ", secretKey="
          + (secretKey.isEmpty() ? "" : "***")
          + "]";
    }
  }

  /** One node of a region: its gRPC address ({@code host:port}) and HTTP base URL. */
  public record NodeEndpoint(String grpc, String http) {
    public NodeEndpoint {
      grpc = grpc == null ? "" : grpc;
      http = http == null ? "" : http;
    }
  }

  /** What a filtered link carries. */
  public record Filters(
      List<String> modulePrefixes, List<String> repositoryPrefixes, String tagPattern) {
    public Filters {
      modulePrefixes = modulePrefixes == null ? List.of() : List.copyOf(modulePrefixes);
      repositoryPrefixes = repositoryPrefixes == null ? List.of() : List.copyOf(repositoryPrefixes);
      tagPattern = tagPattern == null ? "" : tagPattern;
      if (!tagPattern.isEmpty()) {
        try {
          Pattern.compile(tagPattern);
        } catch (PatternSyntaxException e) {
          throw new ConfigException("filters.tagPattern is not a valid regex: " + e.getMessage());
        }
      }
    }

    /** Whether no filter is set. */
    public boolean none() {
      return modulePrefixes.isEmpty() && repositoryPrefixes.isEmpty() && tagPattern.isEmpty();
    }
  }

  /**
   * A link {@code source -> target}.
   *
   * @param mode {@code mirror}: everything, deletes included (a DR replica); {@code filtered}: only
   *     what the filters match, no deletes
   * @param bandwidthBytesPerSecond the link's blob copy bandwidth (0: unlimited)
   * @param concurrency how many blobs are copied at the same time (default 16: a copy is bound by
   *     the round trips of its source read and target write, not by bandwidth)
   * @param maxAttempts how often a batch is tried (with bounded backoff) while its blobs cannot be
   *     copied or the target refuses it (no such blob, missing blobs, rejected) before its events
   *     are tried one by one and those that still fail go to the link's dead-letter list
   * @param deadLetterKeep how many dead-lettered events the status shows (the newest)
   */
  public record LinkSection(
      String source,
      String target,
      String mode,
      Filters filters,
      Long bandwidthBytesPerSecond,
      Integer concurrency,
      Integer maxAttempts,
      Integer deadLetterKeep) {
    public LinkSection {
      source = source == null ? "" : source;
      target = target == null ? "" : target;
      mode = mode == null || mode.isBlank() ? "mirror" : mode;
      filters = filters == null ? new Filters(null, null, null) : filters;
      bandwidthBytesPerSecond = bandwidthBytesPerSecond == null ? 0L : bandwidthBytesPerSecond;
      concurrency = concurrency == null ? 16 : concurrency;
      maxAttempts = maxAttempts == null ? 5 : maxAttempts;
      deadLetterKeep = deadLetterKeep == null ? 100 : deadLetterKeep;
      String where = "link " + source + "->" + target;
      if (!mode.equals("mirror") && !mode.equals("filtered")) {
        throw new ConfigException(where + ": mode must be mirror or filtered, not '" + mode + "'");
      }
      if (mode.equals("mirror") && !filters.none()) {
        throw new ConfigException(
            where + ": a mirror link carries everything; filters need mode: filtered");
      }
      if (mode.equals("filtered") && filters.none()) {
        throw new ConfigException(where + ": a filtered link needs at least one filter");
      }
      if (bandwidthBytesPerSecond < 0) {
        throw new ConfigException(where + ": bandwidthBytesPerSecond must be >= 0");
      }
      if (concurrency < 1 || concurrency > 64) {
        throw new ConfigException(where + ": concurrency must be between 1 and 64");
      }
      if (maxAttempts < 1) {
        throw new ConfigException(where + ": maxAttempts must be >= 1");
      }
      if (deadLetterKeep < 1 || deadLetterKeep > 10_000) {
        throw new ConfigException(where + ": deadLetterKeep must be between 1 and 10000");
      }
    }

    /** A link with the default poison policy. */
    public LinkSection(
        String source,
        String target,
        String mode,
        Filters filters,
        Long bandwidthBytesPerSecond,
        Integer concurrency) {
      this(source, target, mode, filters, bandwidthBytesPerSecond, concurrency, null, null);
    }

    /** The link id, {@code "<source>-><target>"}. */
    public String id() {
      return source + "->" + target;
    }
  }
}
