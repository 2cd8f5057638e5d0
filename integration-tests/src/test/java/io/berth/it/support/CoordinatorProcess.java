package io.berth.it.support;

import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.JavaProcess;
import io.berth.node.testsupport.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** A coordinator in its own JVM ({@code berth coordinator}), on 127.0.0.1 with free ports. */
public final class CoordinatorProcess implements AutoCloseable {
  /** A client network for the config: name, CIDRs, region. */
  public record Network(String name, List<String> cidrs, String region) {}

  private final JavaProcess process;
  private final String id;
  private final int dnsPort;
  private final int httpPort;
  private final int grpcPort;

  private CoordinatorProcess(JavaProcess p, String id, int dns, int http, int grpc) {
    this.process = p;
    this.id = id;
    this.dnsPort = dns;
    this.httpPort = http;
    this.grpcPort = grpc;
  }

  /**
   * Writes a config in {@code dir} and starts the coordinator; waits until its HTTP API answers.
   *
   * @param zone the DNS zone (like {@code berth.test.})
   */
  public static CoordinatorProcess start(
      Path dir,
      String id,
      String region,
      String zookeeper,
      String zone,
      List<Network> networks,
      int sessionTimeoutMs)
      throws IOException, InterruptedException {
    Files.createDirectories(dir);
    int dns = NodeProcess.freePort();
    int http = NodeProcess.freePort();
    int grpc = NodeProcess.freePort();
    StringBuilder y = new StringBuilder();
    y.append("coordinator: {id: ").append(id).append(", region: '").append(region).append("'}\n");
    y.append("zookeeper: {connect: '")
        .append(zookeeper)
        .append("', sessionTimeoutMs: ")
        .append(sessionTimeoutMs)
        .append("}\n");
    y.append("http: {host: 127.0.0.1, port: ").append(http).append("}\n");
    y.append("grpc: {host: 127.0.0.1, port: ").append(grpc).append("}\n");
    y.append("dns: {host: 127.0.0.1, port: ")
        .append(dns)
        .append(", zone: '")
        .append(zone)
        .append(
            "', names: [go, oci], ttlSeconds: 5, maxAnswers: 2, nameservers: ['ns1=127.0.0.1']}\n");
    y.append("networks:\n");
    for (Network n : networks) {
      y.append("  - {name: ")
          .append(n.name())
          .append(", region: ")
          .append(n.region())
          .append(", cidrs: [")
          .append(String.join(", ", n.cidrs()))
          .append("]}\n");
    }
    Path config = dir.resolve(id + ".yaml");
    Files.writeString(config, y.toString());
    JavaProcess p =
        JavaProcess.start(
            "io.berth.coordinator.Main",
            List.of("coordinator", "--config", config.toString()),
            Map.of(),
            List.of(),
            dir.resolve(id + ".log"));
    CoordinatorProcess c = new CoordinatorProcess(p, id, dns, http, grpc);
    c.awaitUp(Duration.ofSeconds(60));
    return c;
  }

  private void awaitUp(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("coordinator exited:\n" + process.output());
      }
      try {
        if (Http.get(url() + "/healthz").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("coordinator not up in " + timeout + ":\n" + process.output());
  }

  public String id() {
    return id;
  }

  public String url() {
    return "http://127.0.0.1:" + httpPort;
  }

  public int dnsPort() {
    return dnsPort;
  }

  public int grpcPort() {
    return grpcPort;
  }

  /** GET /v1/status as text. */
  public String status() throws IOException, InterruptedException {
    return Http.get(url() + "/v1/status").body();
  }

  public boolean isLeader() {
    try {
      return status().contains("\"leader\":true");
    } catch (IOException | InterruptedException e) {
      return false;
    }
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public void kill9() throws InterruptedException {
    process.kill9();
  }

  public String output() {
    return process.output();
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
