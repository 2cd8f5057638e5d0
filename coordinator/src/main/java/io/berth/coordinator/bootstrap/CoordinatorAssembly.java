package io.berth.coordinator.bootstrap;

import io.berth.coordinator.api.GrpcResolveService;
import io.berth.coordinator.api.HttpApi;
import io.berth.coordinator.api.ResolveService;
import io.berth.coordinator.config.ConfigChecks;
import io.berth.coordinator.config.CoordinatorConfig;
import io.berth.coordinator.dns.DnsResponder;
import io.berth.coordinator.dns.DnsServer;
import io.berth.coordinator.dns.ZoneAnswers;
import io.berth.coordinator.election.FencedWriter;
import io.berth.coordinator.election.TableLeader;
import io.berth.coordinator.membership.ClientReportStore;
import io.berth.coordinator.membership.HealthProber;
import io.berth.coordinator.membership.InstanceDirectory;
import io.berth.coordinator.membership.MemberDirectory;
import io.berth.coordinator.membership.TableStore;
import io.berth.coordinator.membership.ZkPaths;
import io.berth.coordinator.routing.Cidr;
import io.berth.coordinator.routing.ClusterView;
import io.berth.coordinator.routing.LatencyAwareRoutingPolicy;
import io.berth.coordinator.routing.TableIndex;
import io.berth.platform.zk.LeaderElection;
import io.berth.platform.zk.ZooKeeperClients;
import io.berth.proto.coordinator.v1.CoordinatorInstance;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only place that builds the coordinator's concrete parts and wires them: ZooKeeper client,
 * member and instance directories, health prober, client reports, the leader election with the
 * table computation, the table store, and the DNS, HTTP and gRPC listeners. Closing it stops
 * everything in reverse order.
 */
public final class CoordinatorAssembly implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CoordinatorAssembly.class);

  /** Lifecycle states. */
  public enum State {
    NEW,
    RUNNING,
    CLOSED
  }

  private final CoordinatorConfig config;
  private final List<AutoCloseable> closeables = new ArrayList<>();
  private volatile ZoneAnswers zone;
  private CuratorFramework client;
  private TableStore tables;
  private MemberDirectory members;
  private HealthProber prober;
  private InstanceDirectory instances;
  private ClientReportStore reports;
  private LeaderElection election;
  private TableLeader leader;
  private DnsServer dns;
  private HttpApi http;
  private Server grpc;
  private volatile State state = State.NEW;

  public CoordinatorAssembly(CoordinatorConfig config) {
    ConfigChecks.check(config);
    this.config = config;
  }

  /** Starts the listeners, then joins ZooKeeper and the election. */
  public synchronized CoordinatorAssembly start() throws IOException {
    if (state != State.NEW) {
      throw new IllegalStateException("coordinator is " + state);
    }
    try {
      startAll();
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
    state = State.RUNNING;
    return this;
  }

  private void startAll() throws IOException {
    CoordinatorConfig.ZooKeeperSection zk = config.zookeeper();
    client = ZooKeeperClients.newClient(zk.connect(), zk.sessionTimeoutMs());
    closeables.add(client);
    tables = new TableStore(client, index -> zone = new ZoneAnswers(config.dns(), index));
    reports =
        new ClientReportStore(
            client, config.coordinator().id(), config.routing().clientReportTtlSeconds());
    ResolveService resolve = new ResolveService(tables::current, reports);

    CoordinatorConfig.DnsSection d = config.dns();
    dns =
        new DnsServer(
            d.host(),
            d.port(),
            d.udpThreads(),
            d.tcpMaxConnections(),
            d.tcpIdleSeconds() * 1000,
            new DnsResponder(() -> zone, d.udpPayloadBytes()));
    dns.start();
    closeables.add(dns);

    CoordinatorConfig.HttpSection h = config.http();
    http = new HttpApi(h.host(), h.port(), h.threads(), resolve, tables::current, this::status);
    http.start();
    closeables.add(http);

    CoordinatorConfig.GrpcSection g = config.grpc();
    if (g.port() >= 0) {
      grpc =
          NettyServerBuilder.forAddress(new InetSocketAddress(g.host(), g.port()))
              .addService(
                  ServerInterceptors.intercept(
                      new GrpcResolveService(resolve), GrpcResolveService.callerInterceptor()))
              .build()
              .start();
      closeables.add(
          () -> {
            grpc.shutdown();
            grpc.awaitTermination(5, TimeUnit.SECONDS);
          });
    }

    client.start();
    members = new MemberDirectory(client, this::poke);
    closeables.add(members);
    prober =
        new HealthProber(
            members,
            config.coordinator().region(),
            config.routing().healthProbeIntervalMs(),
            config.routing().healthProbeTimeoutMs(),
            this::poke);
    closeables.add(prober);
    instances = new InstanceDirectory(client, self());
    closeables.add(instances);
    closeables.add(reports);
    closeables.add(tables);
    members.start();
    instances.start();
    reports.start();
    tables.start();
    prober.start();

    FencedWriter writer = new FencedWriter(client, ZkPaths.LEADER + "/epoch");
    leader =
        new TableLeader(
            config.coordinator().id(),
            new LatencyAwareRoutingPolicy(config.routing()),
            this::view,
            (term, table) -> writer.write(term, ZkPaths.TABLE, table.toByteArray()),
            tables::offer,
            config.routing().recomputeIntervalMs());
    election =
        new LeaderElection(
            client,
            ZkPaths.LEADER,
            config.coordinator().id(),
            LeaderElection.Requeue.AT_ONCE,
            leader);
    closeables.add(election);
    election.start();
    log.info(
        "coordinator {} (region '{}'): DNS {}:{} zone {}, HTTP {}, gRPC {}",
        config.coordinator().id(),
        config.coordinator().region(),
        d.host(),
        dns.port(),
        d.zone(),
        httpUrl(),
        grpc == null ? "off" : Integer.toString(grpc.getPort()));
  }

  private void poke() {
    TableLeader l = leader;
    if (l != null) {
      l.poke();
    }
  }

  private CoordinatorInstance self() {
    return CoordinatorInstance.newBuilder()
        .setId(config.coordinator().id())
        .setRegion(config.coordinator().region())
        .setHttpUrl(httpUrl())
        .setDnsAddress(advertisedHost(config.dns().host()) + ":" + dns.port())
        .setStartedMillis(System.currentTimeMillis())
        .build();
  }

  /** The resolve API's base URL (advertised, or from the listener). */
  public String httpUrl() {
    if (!config.http().advertiseUrl().isBlank()) {
      return config.http().advertiseUrl();
    }
    String host = advertisedHost(config.http().host());
    return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + http.port();
  }

  private static String advertisedHost(String host) {
    if (host.equals("0.0.0.0") || host.equals("::")) {
      try {
        return InetAddress.getLocalHost().getHostName();
      } catch (IOException e) {
        return "127.0.0.1";
      }
    }
    return host;
  }

  private ClusterView view() {
    long now = System.currentTimeMillis();
    long nanos = System.nanoTime();
    List<ClusterView.ObservedMember> observed = new ArrayList<>();
    for (MemberDirectory.Entry e : members.snapshot()) {
      observed.add(
          new ClusterView.ObservedMember(
              e.record(), (nanos - e.seenNanos()) / 1_000_000, prober.latest(e), e.addresses()));
    }
    List<ClusterView.ClientNetwork> nets = new ArrayList<>();
    for (CoordinatorConfig.NetworkSection n : config.networks()) {
      nets.add(
          new ClusterView.ClientNetwork(
              n.name(), n.region(), n.cidrs().stream().map(Cidr::parse).toList()));
    }
    return new ClusterView(
        now,
        observed,
        instances.instances(),
        reports.fresh(now),
        nets,
        config.routing().fallbackRegion());
  }

  private Map<String, Object> status() {
    Map<String, Object> s = new LinkedHashMap<>();
    s.put("id", config.coordinator().id());
    s.put("region", config.coordinator().region());
    s.put("leader", election != null && election.isLeader());
    s.put("zookeeperConnected", client != null && client.getZookeeperClient().isConnected());
    TableIndex t = tables == null ? null : tables.current();
    s.put("tableEpoch", t == null ? 0 : t.table().getEpoch());
    s.put("tableVersion", t == null ? 0 : t.table().getVersion());
    s.put("tableLeader", t == null ? "" : t.table().getLeaderId());
    s.put("members", members == null ? 0 : members.snapshot().size());
    s.put("dnsQueries", dns == null ? 0 : dns.queries());
    return s;
  }

  public int dnsPort() {
    return dns.port();
  }

  public int httpPort() {
    return http.port();
  }

  public int grpcPort() {
    return grpc == null ? -1 : grpc.getPort();
  }

  public boolean isLeader() {
    return election != null && election.isLeader();
  }

  /** The table this instance answers from, or null before the first. */
  public TableIndex table() {
    return tables == null ? null : tables.current();
  }

  public CoordinatorConfig config() {
    return config;
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
  }
}
