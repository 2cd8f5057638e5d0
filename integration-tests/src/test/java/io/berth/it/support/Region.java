package io.berth.it.support;

import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.NodeProcess;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A region for tests: its Kafka topic ({@code berth.<name>.changes}), a blob directory shared by
 * its nodes (like a region bucket), and 1-2 registry nodes in their own JVMs on {@code
 * 127.0.<octet>.<n>} with fixed HTTP and gRPC ports, so a node can be stopped and started again
 * where the replicator and clients expect it.
 */
public final class Region implements AutoCloseable {
  /** One node's address and data. */
  public record Node(String id, String host, int httpPort, int grpcPort, Path dataDir) {
    public String url() {
      return "http://" + host + ":" + httpPort;
    }

    public String grpc() {
      return host + ":" + grpcPort;
    }
  }

  private final String name;
  private final Path dir;
  private final String kafkaBootstrap;
  private final List<Node> nodes = new ArrayList<>();
  private final NodeProcess[] processes;
  private final Map<String, String> env = new HashMap<>();
  private String grpcToken = "";
  private S3Bucket s3;

  private Region(String name, int octet, int count, Path dir, String kafkaBootstrap)
      throws IOException {
    this.name = name;
    this.dir = dir;
    this.kafkaBootstrap = kafkaBootstrap;
    for (int i = 1; i <= count; i++) {
      nodes.add(
          new Node(
              name + "-" + i,
              "127.0." + octet + "." + i,
              NodeProcess.freePort(),
              NodeProcess.freePort(),
              dir.resolve(name + "-" + i)));
    }
    this.processes = new NodeProcess[count];
    Files.createDirectories(dir.resolve("blobs"));
  }

  /** A region of {@code count} nodes on {@code 127.0.<octet>.1..count} (not started yet). */
  public static Region create(String name, int octet, int count, Path dir, String kafkaBootstrap)
      throws IOException {
    return new Region(name, octet, count, dir, kafkaBootstrap);
  }

  /** Extra BERTH_* environment for every node (before {@link #start}). */
  public Region env(String key, String value) {
    env.put(key, value);
    return this;
  }

  /**
   * Puts the region's blobs into {@code bucket} of an S3-compatible server instead of a shared
   * directory (before {@link #start}); every node of the region shares the bucket.
   */
  public Region s3(String endpoint, String bucket, String accessKey, String secretKey) {
    s3 = new S3Bucket(endpoint, bucket, accessKey, secretKey);
    env("BERTH_STORAGE_TYPE", "s3");
    env("BERTH_STORAGE_S3_ENDPOINT", endpoint);
    env("BERTH_STORAGE_S3_BUCKET", bucket);
    env("BERTH_STORAGE_S3_ACCESS_KEY", accessKey);
    env("BERTH_STORAGE_S3_SECRET_KEY", secretKey);
    return env("BERTH_STORAGE_SHARED_BLOB_DIR", "");
  }

  /** Where a region's blobs are in S3. */
  public record S3Bucket(String endpoint, String bucket, String accessKey, String secretKey) {}

  /**
   * The region's bucket, or null if its blobs are not in S3; a {@link ReplicatorProcess} configured
   * with this region is given it (the link copies into it while the region's nodes are down).
   */
  public S3Bucket s3() {
    return s3;
  }

  /**
   * Makes the region's nodes require {@code token} on replication calls ({@code http.grpcToken}); a
   * {@link ReplicatorProcess} configured with this region sends it.
   */
  public Region grpcToken(String token) {
    grpcToken = token;
    return env("BERTH_HTTP_GRPC_TOKEN", token);
  }

  public String grpcToken() {
    return grpcToken;
  }

  /** Other regions the where API asks (sets {@code cluster.peers}). */
  public Region peers(Region... others) {
    List<String> p = new ArrayList<>();
    for (Region r : others) {
      p.add(r.name() + "=" + r.url(0));
    }
    return env("BERTH_CLUSTER_PEERS", String.join(",", p));
  }

  public String name() {
    return name;
  }

  public String topic() {
    return "berth." + name + ".changes";
  }

  public List<Node> nodes() {
    return nodes;
  }

  public String url(int i) {
    return nodes.get(i).url();
  }

  Map<String, String> envOf(Node n) {
    Map<String, String> e = new HashMap<>();
    e.put("BERTH_NODE_ID", n.id());
    e.put("BERTH_NODE_REGION", name);
    e.put("BERTH_STORAGE_SHARED_BLOB_DIR", dir.resolve("blobs").toString());
    e.put("BERTH_GO_UPSTREAMS", "off");
    e.put("BERTH_HTTP_GRPC_PORT", Integer.toString(n.grpcPort()));
    e.put("BERTH_EVENTS_KAFKA_BOOTSTRAP", kafkaBootstrap);
    e.put("BERTH_EVENTS_PARTITIONS", "3");
    e.put("BERTH_EVENTS_REPLICATION_FACTOR", "1");
    e.put("BERTH_EVENTS_MIN_INSYNC_REPLICAS", "1");
    e.put("BERTH_HTTP_WORKER_THREADS", "16");
    e.putAll(env);
    return e;
  }

  /** Starts every node (in parallel) and waits until each is ready (caught up). */
  public Region start() throws Exception {
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (int i = 0; i < nodes.size(); i++) {
      int idx = i;
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  startNode(idx);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    for (CompletableFuture<Void> f : all) {
      f.join();
    }
    return this;
  }

  /** Starts node {@code i} on its address; returns once it is ready. */
  public void startNode(int i) throws Exception {
    Node n = nodes.get(i);
    processes[i] =
        NodeProcess.start(
            n.host(), n.httpPort(), n.dataDir(), envOf(n), dir.resolve(n.id() + ".log"));
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (true) {
      HttpResponse<String> r = Http.get(n.url() + "/readyz");
      if (r.statusCode() == 200) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(n.id() + " not ready: " + r.body());
      }
      Thread.sleep(200);
    }
  }

  /**
   * Replaces (stopped) node {@code i} by a new node with another id and an empty data directory on
   * the same address and ports, like a node rebuilt on a new disk.
   */
  public void replaceNode(int i, String newId) {
    if (running(i)) {
      throw new IllegalStateException("stop node " + i + " first");
    }
    Node old = nodes.get(i);
    nodes.set(i, new Node(newId, old.host(), old.httpPort(), old.grpcPort(), dir.resolve(newId)));
  }

  /** Stops node {@code i} gracefully. */
  public void stopNode(int i) throws InterruptedException {
    if (processes[i] != null) {
      processes[i].stop();
      processes[i] = null;
    }
  }

  public void stop() throws InterruptedException {
    for (int i = 0; i < nodes.size(); i++) {
      stopNode(i);
    }
  }

  public boolean running(int i) {
    return processes[i] != null && processes[i].isAlive();
  }

  /** The output of node {@code i} so far. */
  public String output(int i) {
    return processes[i] == null ? "(stopped)" : processes[i].output();
  }

  @Override
  public void close() throws InterruptedException {
    for (NodeProcess p : processes) {
      if (p != null) {
        p.close();
      }
    }
  }
}
