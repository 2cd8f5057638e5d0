package io.berth.coordinator.config;

import java.util.List;

/**
 * The coordinator configuration, loaded by {@link CoordinatorConfigLoader} from YAML plus {@code
 * BERTH_COORD_*} environment overrides. Every field has a default; the commented example is {@code
 * deploy/coordinator.example.yaml}.
 */
public record CoordinatorConfig(
    InstanceSection coordinator,
    ZooKeeperSection zookeeper,
    HttpSection http,
    GrpcSection grpc,
    DnsSection dns,
    List<NetworkSection> networks,
    RoutingSection routing,
    EnvSection env) {

  public CoordinatorConfig {
    coordinator = coordinator == null ? InstanceSection.defaults() : coordinator;
    zookeeper = zookeeper == null ? ZooKeeperSection.defaults() : zookeeper;
    http = http == null ? HttpSection.defaults() : http;
    grpc = grpc == null ? GrpcSection.defaults() : grpc;
    dns = dns == null ? DnsSection.defaults() : dns;
    networks = networks == null ? List.of() : List.copyOf(networks);
    routing = routing == null ? RoutingSection.defaults() : routing;
    env = env == null ? EnvSection.defaults() : env;
  }

  public static CoordinatorConfig defaults() {
    return new CoordinatorConfig(null, null, null, null, null, null, null, null);
  }

  /** A copy with other client networks. */
  public CoordinatorConfig withNetworks(List<NetworkSection> networks) {
    return new CoordinatorConfig(coordinator, zookeeper, http, grpc, dns, networks, routing, env);
  }

  /** A copy with another DNS section. */
  public CoordinatorConfig withDns(DnsSection dns) {
    return new CoordinatorConfig(coordinator, zookeeper, http, grpc, dns, networks, routing, env);
  }

  /** A copy with another routing section. */
  public CoordinatorConfig withRouting(RoutingSection routing) {
    return new CoordinatorConfig(coordinator, zookeeper, http, grpc, dns, networks, routing, env);
  }

  /** Identity of this coordinator instance. */
  public record InstanceSection(String id, String region) {
    public InstanceSection {
      id = id == null || id.isBlank() ? defaultId() : id;
      region = region == null ? "" : region;
    }

    static InstanceSection defaults() {
      return new InstanceSection(null, null);
    }

    private static String defaultId() {
      try {
        return java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.net.UnknownHostException e) {
        return "coordinator-1";
      }
    }
  }

  /** The ZooKeeper ensemble holding membership, the election and the table. */
  public record ZooKeeperSection(String connect, Integer sessionTimeoutMs) {
    public ZooKeeperSection {
      connect = connect == null ? "127.0.0.1:2181" : connect;
      sessionTimeoutMs = sessionTimeoutMs == null ? 6_000 : sessionTimeoutMs;
    }

    static ZooKeeperSection defaults() {
      return new ZooKeeperSection(null, null);
    }
  }

  /** The HTTP JSON resolve API. */
  public record HttpSection(String host, Integer port, String advertiseUrl, Integer threads) {
    public HttpSection {
      host = host == null ? "0.0.0.0" : host;
      port = port == null ? 8053 : port;
      advertiseUrl = advertiseUrl == null ? "" : advertiseUrl;
      threads = threads == null ? 8 : threads;
    }

    static HttpSection defaults() {
      return new HttpSection(null, null, null, null);
    }
  }

  /** The gRPC resolve service; a negative port disables it. */
  public record GrpcSection(String host, Integer port) {
    public GrpcSection {
      host = host == null ? "0.0.0.0" : host;
      port = port == null ? 9053 : port;
    }

    static GrpcSection defaults() {
      return new GrpcSection(null, null);
    }
  }

  /** The authoritative DNS server. */
  public record DnsSection(
      String host,
      Integer port,
      String zone,
      List<String> names,
      Integer ttlSeconds,
      Integer maxAnswers,
      List<String> nameservers,
      String hostmaster,
      Integer udpThreads,
      Integer tcpMaxConnections,
      Integer tcpIdleSeconds,
      Integer udpPayloadBytes) {
    public DnsSection {
      host = host == null ? "0.0.0.0" : host;
      port = port == null ? 5353 : port;
      zone = zone == null ? "berth.internal." : zone;
      names = names == null ? List.of("go", "oci", "registry") : List.copyOf(names);
      ttlSeconds = ttlSeconds == null ? 5 : ttlSeconds;
      maxAnswers = maxAnswers == null ? 2 : maxAnswers;
      nameservers = nameservers == null ? List.of() : List.copyOf(nameservers);
      hostmaster = hostmaster == null ? "hostmaster" : hostmaster;
      udpThreads = udpThreads == null ? 2 : udpThreads;
      tcpMaxConnections = tcpMaxConnections == null ? 64 : tcpMaxConnections;
      tcpIdleSeconds = tcpIdleSeconds == null ? 10 : tcpIdleSeconds;
      udpPayloadBytes = udpPayloadBytes == null ? 1232 : udpPayloadBytes;
    }

    static DnsSection defaults() {
      return new DnsSection(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A copy listening on another host and port. */
    public DnsSection withListener(String host, int port) {
      return new DnsSection(
          host,
          port,
          zone,
          names,
          ttlSeconds,
          maxAnswers,
          nameservers,
          hostmaster,
          udpThreads,
          tcpMaxConnections,
          tcpIdleSeconds,
          udpPayloadBytes);
    }
  }

  /** A client network: the CIDRs it covers and the region it is in. */
  public record NetworkSection(String name, List<String> cidrs, String region) {
    public NetworkSection {
      name = name == null ? "" : name;
      cidrs = cidrs == null ? List.of() : List.copyOf(cidrs);
      region = region == null ? "" : region;
    }
  }

  /** How the leader computes the table and watches the nodes. */
  public record RoutingSection(
      Long recomputeIntervalMs,
      Long staleAfterMs,
      Long healthProbeIntervalMs,
      Long healthProbeTimeoutMs,
      Double regionAffinityMs,
      Double loadPenaltyMs,
      Double catchingUpPenaltyMs,
      Long maxReplicaLagMs,
      Double sameRegionDefaultMs,
      Double crossRegionDefaultMs,
      Long measurementMaxAgeMs,
      Long clientReportTtlSeconds,
      String fallbackRegion) {
    public RoutingSection {
      recomputeIntervalMs = recomputeIntervalMs == null ? 500L : recomputeIntervalMs;
      staleAfterMs = staleAfterMs == null ? 2_000L : staleAfterMs;
      healthProbeIntervalMs = healthProbeIntervalMs == null ? 500L : healthProbeIntervalMs;
      healthProbeTimeoutMs = healthProbeTimeoutMs == null ? 1_000L : healthProbeTimeoutMs;
      regionAffinityMs = regionAffinityMs == null ? 25.0 : regionAffinityMs;
      loadPenaltyMs = loadPenaltyMs == null ? 5.0 : loadPenaltyMs;
      catchingUpPenaltyMs = catchingUpPenaltyMs == null ? 50.0 : catchingUpPenaltyMs;
      maxReplicaLagMs = maxReplicaLagMs == null ? 5_000L : maxReplicaLagMs;
      sameRegionDefaultMs = sameRegionDefaultMs == null ? 1.0 : sameRegionDefaultMs;
      crossRegionDefaultMs = crossRegionDefaultMs == null ? 100.0 : crossRegionDefaultMs;
      measurementMaxAgeMs = measurementMaxAgeMs == null ? 30_000L : measurementMaxAgeMs;
      clientReportTtlSeconds = clientReportTtlSeconds == null ? 300L : clientReportTtlSeconds;
      fallbackRegion = fallbackRegion == null ? "" : fallbackRegion;
    }

    public static RoutingSection defaults() {
      return new RoutingSection(
          null, null, null, null, null, null, null, null, null, null, null, null, null);
    }
  }

  /** What {@code berth env} prints besides the nodes. */
  public record EnvSection(String gosumdb) {
    public EnvSection {
      gosumdb = gosumdb == null ? "sum.golang.org" : gosumdb;
    }

    static EnvSection defaults() {
      return new EnvSection(null);
    }
  }
}
