package io.berth.it.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.JavaProcess;
import io.berth.node.testsupport.NodeProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A replicator instance in its own JVM ({@code io.berth.replicator.Main replicator run}),
 * configured with regions and links, that tests can kill with SIGKILL or pause with SIGSTOP (a
 * frozen process whose ZooKeeper session expires, like a long GC pause).
 */
public final class ReplicatorProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A link to configure. */
  public record LinkSpec(
      String source,
      String target,
      String mode,
      long bandwidthBytesPerSecond,
      int concurrency,
      int maxAttempts) {
    public static LinkSpec mirror(Region source, Region target) {
      return new LinkSpec(source.name(), target.name(), "mirror", 0, 4, 0);
    }

    public LinkSpec bandwidth(long bytesPerSecond) {
      return new LinkSpec(source, target, mode, bytesPerSecond, concurrency, maxAttempts);
    }

    /** The link's poison policy: attempts of a batch before events are dead-lettered. */
    public LinkSpec maxAttempts(int attempts) {
      return new LinkSpec(source, target, mode, bandwidthBytesPerSecond, concurrency, attempts);
    }

    public String id() {
      return source + "->" + target;
    }
  }

  private final String id;
  private final JavaProcess process;
  private final int port;

  private ReplicatorProcess(String id, JavaProcess process, int port) {
    this.id = id;
    this.process = process;
    this.port = port;
  }

  /** Writes the configuration and starts the instance; returns once it serves /healthz. */
  public static ReplicatorProcess start(
      String id,
      Path dir,
      String zookeeper,
      int sessionTimeoutMs,
      String kafkaBootstrap,
      List<Region> regions,
      List<LinkSpec> links)
      throws Exception {
    Files.createDirectories(dir);
    int port = NodeProcess.freePort();
    StringBuilder y = new StringBuilder();
    y.append("instanceId: ").append(id).append('\n');
    y.append("zookeeper: ").append(zookeeper).append('\n');
    y.append("sessionTimeoutMs: ").append(sessionTimeoutMs).append('\n');
    y.append("http:\n  host: 127.0.0.1\n  port: ").append(port).append('\n');
    y.append("regions:\n");
    for (Region r : regions) {
      y.append("  ").append(r.name()).append(":\n");
      y.append("    kafkaBootstrap: ").append(kafkaBootstrap).append('\n');
      y.append("    topic: ").append(r.topic()).append('\n');
      if (!r.grpcToken().isEmpty()) {
        y.append("    token: ").append(r.grpcToken()).append('\n');
      }
      if (r.s3() != null) {
        Region.S3Bucket b = r.s3();
        y.append("    bucket:\n");
        y.append("      endpoint: ").append(b.endpoint()).append('\n');
        y.append("      bucket: ").append(b.bucket()).append('\n');
        y.append("      accessKey: ").append(b.accessKey()).append('\n');
        y.append("      secretKey: ").append(b.secretKey()).append('\n');
      }
      y.append("    nodes:\n");
      for (Region.Node n : r.nodes()) {
        y.append("      - grpc: ").append(n.grpc()).append('\n');
        y.append("        http: ").append(n.url()).append('\n');
      }
    }
    y.append("links:\n");
    for (LinkSpec l : links) {
      y.append("  - source: ").append(l.source()).append('\n');
      y.append("    target: ").append(l.target()).append('\n');
      y.append("    mode: ").append(l.mode()).append('\n');
      y.append("    bandwidthBytesPerSecond: ").append(l.bandwidthBytesPerSecond()).append('\n');
      y.append("    concurrency: ").append(l.concurrency()).append('\n');
      if (l.maxAttempts() > 0) {
        y.append("    maxAttempts: ").append(l.maxAttempts()).append('\n');
      }
    }
    Path config = dir.resolve(id + ".yaml");
    Files.writeString(config, y.toString());
    JavaProcess p =
        JavaProcess.start(
            "io.berth.replicator.Main",
            List.of("replicator", "run", "--config", config.toString()),
            Map.of(),
            List.of("-Xmx256m"),
            dir.resolve(id + ".log"));
    ReplicatorProcess r = new ReplicatorProcess(id, p, port);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      if (!p.isAlive()) {
        throw new AssertionError("replicator " + id + " exited:\n" + p.output());
      }
      try {
        if (Http.get(r.url() + "/healthz").statusCode() == 200) {
          return r;
        }
      } catch (IOException e) {
        // not listening yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("replicator " + id + " did not start:\n" + p.output());
      }
      Thread.sleep(100);
    }
  }

  public String id() {
    return id;
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** The instance's {@code /status}. */
  public JsonNode status() throws Exception {
    return JSON.readTree(Http.get(url() + "/status").body());
  }

  /** This instance's view of link {@code id}. */
  public JsonNode link(String linkId) throws Exception {
    for (JsonNode l : status().path("links")) {
      if (l.path("link").asText().equals(linkId)) {
        return l;
      }
    }
    throw new AssertionError("replicator " + id + " has no link " + linkId);
  }

  /** Whether this instance owns the link (false if it does not answer). */
  public boolean owns(String linkId) {
    try {
      return isAlive() && link(linkId).path("owner").asBoolean();
    } catch (Exception e) {
      return false;
    }
  }

  public String metrics() throws Exception {
    return Http.get(url() + "/metrics").body();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public long pid() {
    return process.pid();
  }

  public void kill9() throws InterruptedException {
    process.kill9();
  }

  /** SIGSTOP: the JVM freezes (no ZooKeeper heartbeats, no I/O) until {@link #resume}. */
  public void pause() throws Exception {
    signal("STOP");
  }

  /** SIGCONT. */
  public void resume() throws Exception {
    signal("CONT");
  }

  private void signal(String sig) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid())).inheritIO().start();
    if (!k.waitFor(10, TimeUnit.SECONDS) || k.exitValue() != 0) {
      throw new AssertionError("kill -" + sig + " " + pid() + " failed");
    }
  }

  public String output() {
    return process.output();
  }

  @Override
  public void close() throws Exception {
    if (process.isAlive()) {
      try {
        resume();
      } catch (AssertionError | IOException e) {
        // already gone
      }
      process.stop();
    }
  }
}
