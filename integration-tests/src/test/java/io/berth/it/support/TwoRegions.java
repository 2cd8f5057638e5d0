package io.berth.it.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.it.support.ReplicatorProcess.LinkSpec;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.Skopeo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.curator.test.TestingServer;

/**
 * Two regions replicated by one replicator process, for cross-region tests: a real ZooKeeper
 * (curator-test), a real KRaft broker, a home for the real {@code skopeo}, the servers the regions
 * use (an S3-compatible server, an upstream registry) and the regions themselves. Start it once per
 * test class; {@link #close} stops whatever was started, the replicator first and ZooKeeper last.
 */
public final class TwoRegions implements AutoCloseable {
  /** How long a change may take to cross from one region to the other. */
  public static final Duration CROSS = Duration.ofSeconds(90);

  /** An Accept header naming every manifest type the tests push. */
  public static final String ACCEPT =
      String.join(
          ",",
          OciImages.OCI_MANIFEST,
          OciImages.OCI_INDEX,
          OciImages.DOCKER_MANIFEST,
          OciImages.DOCKER_LIST);

  private final Path dir;
  private final Deque<AutoCloseable> servers = new ArrayDeque<>();
  private TestingServer zk;
  private KafkaBroker kafka;
  private Skopeo skopeo;
  private Region a;
  private Region b;
  private ReplicatorProcess replicator;

  private TwoRegions(Path dir) {
    this.dir = dir;
  }

  /**
   * Starts ZooKeeper and the broker under {@code dir} and prepares skopeo; fails the test class
   * with the reason when skopeo is not installed.
   */
  public static TwoRegions start(Path dir) throws Exception {
    Skopeo.require();
    TwoRegions c = new TwoRegions(dir);
    try {
      c.skopeo = new Skopeo(Files.createDirectories(dir.resolve("skopeo")));
      c.zk = new TestingServer(true);
      c.kafka = KafkaBroker.start(dir.resolve("kafka"));
      return c;
    } catch (Exception | Error e) {
      c.close();
      throw e;
    }
  }

  public Skopeo skopeo() {
    return skopeo;
  }

  public String kafkaBootstrap() {
    return kafka.bootstrap();
  }

  /** Keeps {@code server} (one the regions use) to close after the regions; returns it. */
  public <T extends AutoCloseable> T server(T server) {
    servers.push(server);
    return server;
  }

  /** Starts both (configured) regions at once; returns when every node of each is ready. */
  public void startRegions(Region a, Region b) {
    this.a = a;
    this.b = b;
    CompletableFuture<Void> startA = CompletableFuture.runAsync(() -> start(a));
    start(b);
    startA.join();
  }

  private static void start(Region r) {
    try {
      r.start();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Starts replicator {@code r1} over both regions with {@code links} and waits until it owns every
   * link. It becomes {@link #replicator()}; stop the previous one first.
   */
  public ReplicatorProcess startReplicator(List<LinkSpec> links) throws Exception {
    ReplicatorProcess r =
        ReplicatorProcess.start(
            "r1",
            dir.resolve("replicators"),
            zk.getConnectString(),
            5_000,
            kafka.bootstrap(),
            List.of(a, b),
            links);
    replicator = r;
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> links.stream().allMatch(l -> r.owns(l.id())));
    return r;
  }

  public ReplicatorProcess replicator() {
    return replicator;
  }

  @Override
  public void close() throws Exception {
    if (replicator != null) {
      replicator.close();
    }
    for (Region r : new Region[] {a, b}) {
      if (r != null) {
        r.close();
      }
    }
    while (!servers.isEmpty()) {
      servers.pop().close();
    }
    if (kafka != null) {
      kafka.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  /** {@code host:port} of node {@code i} of {@code r}, as skopeo names a registry. */
  public static String host(Region r, int i) {
    Region.Node n = r.nodes().get(i);
    return n.host() + ":" + n.httpPort();
  }

  /** The digest node {@code i} of {@code r} serves for {@code ref}, or null if it answers 404. */
  public static String served(Region r, int i, String repo, String ref) {
    OciClient.Response resp =
        new OciClient(r.url(i)).get("/v2/" + repo + "/manifests/" + ref, Map.of("Accept", ACCEPT));
    if (resp.status() == 404) {
      return null;
    }
    if (resp.status() != 200) {
      throw new AssertionError("GET " + repo + ":" + ref + " on " + r.url(i) + ": " + resp);
    }
    return resp.header("Docker-Content-Digest");
  }

  /** Waits until every node of {@code r} serves {@code ref} as {@code digest} (null: 404). */
  public static void awaitServed(Region r, String repo, String ref, String digest) {
    await()
        .atMost(CROSS)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              for (int i = 0; i < r.nodes().size(); i++) {
                assertThat(served(r, i, repo, ref))
                    .as(r.name() + " node " + i + " " + repo + ":" + ref)
                    .isEqualTo(digest);
              }
            });
  }

  /**
   * Pushes an image's blobs and manifest to node {@code node} of {@code r} through the OCI API
   * (tagged {@code tag}, or by digest if null); returns the manifest's digest.
   */
  public static String push(Region r, int node, String repo, Image img, String tag) {
    OciClient oci = new OciClient(r.url(node));
    for (Blob blob : img.blobs()) {
      oci.pushBlob(repo, blob.bytes());
    }
    String ref = tag == null ? img.manifest().digest().toString() : tag;
    OciClient.Response resp =
        oci.putManifest(repo, ref, img.manifest().mediaType(), img.manifest().bytes());
    assertThat(resp.status()).as(resp.toString()).isEqualTo(201);
    return img.manifest().digest().toString();
  }
}
