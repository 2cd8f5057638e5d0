package io.berth.it.replication;

import static io.berth.it.support.GoPublishing.publish;
import static io.berth.it.support.GoPublishing.serves;
import static io.berth.it.support.TwoRegions.CROSS;
import static io.berth.it.support.TwoRegions.awaitServed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.it.support.DumpLogsOnFailure;
import io.berth.it.support.Region;
import io.berth.it.support.ReplicatorProcess;
import io.berth.it.support.ReplicatorProcess.LinkSpec;
import io.berth.it.support.TwoRegions;
import io.berth.node.testsupport.DockerRegistry;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.Skopeo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A replication link keeps moving whatever the source holds: region a (one node on 127.0.7.1) and
 * region b (one node on 127.0.8.1), each with the pull-through prefix {@code hub/} backed by
 * Debian's real {@code docker-registry}, one topic per region on a real KRaft broker, a real
 * ZooKeeper and a replicator process owning a->b (each region's nodes require their own replication
 * token, which the replicator sends). Images are moved with the real {@code skopeo}. A
 * pull-through-cached index whose other platforms were never fetched, and a blob that vanished from
 * the source, must not stop later events.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LinkProgressIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;

  @RegisterExtension static final DumpLogsOnFailure logs = new DumpLogsOnFailure(() -> tmp);

  static TwoRegions cluster;
  static DockerRegistry upstream;
  static Region a;
  static Region b;
  static ReplicatorProcess replicator;
  static Skopeo skopeo;

  @BeforeAll
  static void startCluster() throws Exception {
    DockerRegistry.require();
    cluster = TwoRegions.start(tmp);
    skopeo = cluster.skopeo();
    upstream = cluster.server(DockerRegistry.start(tmp.resolve("upstream")));
    String hub = "[{prefix: hub, url: \"" + upstream.url() + "\", tagTtlSeconds: 3600}]";
    a = Region.create("a", 7, 1, tmp.resolve("region-a"), cluster.kafkaBootstrap());
    b = Region.create("b", 8, 1, tmp.resolve("region-b"), cluster.kafkaBootstrap());
    a.env("BERTH_OCI_UPSTREAMS", hub).grpcToken("token-of-a");
    b.env("BERTH_OCI_UPSTREAMS", hub).grpcToken("token-of-b");
    cluster.startRegions(a, b);
    replicator = startReplicator(0);
  }

  /** The replicator owning a->b ({@code maxAttempts} 0: the default poison policy). */
  static ReplicatorProcess startReplicator(int maxAttempts) throws Exception {
    return cluster.startReplicator(List.of(LinkSpec.mirror(a, b).maxAttempts(maxAttempts)));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static String host(Region r) {
    return TwoRegions.host(r, 0);
  }

  /** The digest {@code r} serves for {@code ref}, or null if it answers 404. */
  static String served(Region r, String repo, String ref) {
    return TwoRegions.served(r, 0, repo, ref);
  }

  /** Pushes an image's blobs and manifest through the OCI API (tagged {@code tag}). */
  static String push(Region r, String repo, Image img, String tag) {
    return TwoRegions.push(r, 0, repo, img, tag);
  }

  /** Copies one platform of {@code hub/library/multi:3} from {@code r} into an OCI layout. */
  static void pullPlatform(Region r, String arch, Path layout) throws Exception {
    skopeo.ok(
        "--override-arch",
        arch,
        "--override-os",
        "linux",
        "copy",
        "--src-tls-verify=false",
        "docker://" + host(r) + "/hub/library/multi:3",
        "oci:" + layout + ":3");
  }

  /** Region b's own entry of the where API for a manifest. */
  static JsonNode whereInB(String repo, String digest) throws Exception {
    JsonNode answer =
        JSON.readTree(
            Http.get(b.url(0) + "/_berth/api/where?repository=" + repo + "&digest=" + digest)
                .body());
    for (JsonNode n : answer.path("regions")) {
      if (n.path("region").asText().equals("b")) {
        return n;
      }
    }
    throw new AssertionError("no entry of region b: " + answer);
  }

  /** Whether a blob file named by {@code hex} is anywhere under {@code dir}. */
  static boolean storedUnder(Path dir, String hex) throws Exception {
    try (Stream<Path> files = Files.walk(dir)) {
      return files.anyMatch(p -> p.getFileName().toString().equals(hex));
    }
  }

  @Test
  @Order(1)
  void aMultiArchIndexPulledForOnePlatformThroughThePullThroughCacheDoesNotBlockTheLink()
      throws Exception {
    // a two-platform index in the upstream registry
    Image amd = OciImages.image(false, "amd64", 2, 100_000, 51);
    Image arm = OciImages.image(false, "arm64", 2, 100_000, 52);
    Blob index = OciImages.index(false, List.of(amd, arm), List.of("amd64", "arm64"));
    List<Blob> multi = new ArrayList<>();
    for (Image i : List.of(amd, arm)) {
      multi.addAll(i.blobs());
      multi.add(i.manifest());
    }
    Path layout = tmp.resolve("layout-multi");
    OciImages.writeLayout(layout, multi, index, "3");
    skopeo.push(layout, "3", upstream.hostPort(), "library/multi", "--all");

    // one platform pulled through region a: the index, the amd64 manifest and its blobs
    pullPlatform(a, "amd64", tmp.resolve("pulled-amd64-from-a"));
    Path blobsA = tmp.resolve("region-a").resolve("blobs");
    assertThat(storedUnder(blobsA, index.digest().hex())).isTrue();
    assertThat(storedUnder(blobsA, amd.manifest().digest().hex())).isTrue();
    assertThat(storedUnder(blobsA, arm.manifest().digest().hex()))
        .as("the other platform was never fetched into region a")
        .isFalse();
    for (Blob blob : arm.blobs()) {
      assertThat(storedUnder(blobsA, blob.digest().hex())).isFalse();
    }

    // later events of the link still reach b: a pushed image and a published Go module
    Image later = OciImages.image(false, "amd64", 1, 40_000, 53);
    String dl = push(a, "team/after-cache", later, "v1");
    publish(tmp, a.url(0), "corp.example.com/after-cache", "v1.0.0");
    awaitServed(b, "team/after-cache", "v1", dl);
    await().atMost(CROSS).until(() -> serves(b.url(0), "corp.example.com/after-cache", "v1.0.0"));

    // the cached index and platform manifest reached b (replicated from a, not fetched by b)
    // with their own bytes only
    for (Blob m : List.of(index, amd.manifest())) {
      await()
          .atMost(CROSS)
          .untilAsserted(
              () -> {
                JsonNode here = whereInB("hub/library/multi", m.digest().toString());
                assertThat(here.path("holds").asBoolean()).as(m.digest().toString()).isTrue();
                assertThat(here.path("originRegion").asText()).isEqualTo("a");
                assertThat(here.path("change").asText()).isEqualTo("MANIFEST_PUT");
              });
    }
    assertThat(served(b, "hub/library/multi", index.digest().toString()))
        .isEqualTo(index.digest().toString());
    Path blobsB = tmp.resolve("region-b").resolve("blobs");
    assertThat(storedUnder(blobsB, index.digest().hex())).isTrue();
    assertThat(storedUnder(blobsB, arm.manifest().digest().hex()))
        .as("nothing region a never held was required")
        .isFalse();

    // and b serves the platform pulled in a (replicated), the rest through its own cache
    Path fromB = tmp.resolve("pulled-amd64-from-b");
    pullPlatform(b, "amd64", fromB);
    Map<String, byte[]> pulled = Skopeo.layoutBlobs(fromB);
    assertThat(pulled.get(amd.manifest().digest().hex())).isEqualTo(amd.manifest().bytes());
    for (Blob blob : amd.blobs()) {
      assertThat(pulled.get(blob.digest().hex()))
          .as(blob.digest().toString())
          .isEqualTo(blob.bytes());
    }
    Path armFromB = tmp.resolve("pulled-arm64-from-b");
    pullPlatform(b, "arm64", armFromB);
    Map<String, byte[]> armPulled = Skopeo.layoutBlobs(armFromB);
    assertThat(armPulled.get(arm.manifest().digest().hex())).isEqualTo(arm.manifest().bytes());
    assertThat(replicator.link("a->b").path("deadLetters").path("count").asLong())
        .as("nothing was given up on: the cached manifests need only their own bytes")
        .isZero();
  }

  @Test
  @Order(2)
  void anEventWhoseBlobVanishedFromTheSourceIsDeadLetteredAndLaterEventsStillReachB()
      throws Exception {
    // the link is stopped while region a loses a layer it had stored
    replicator.close();
    Image img = OciImages.image(false, "amd64", 2, 300_000, 61);
    String dm = push(a, "team/poison", img, "v1");
    Blob lost = img.layers().get(0);
    Path blobsA = tmp.resolve("region-a").resolve("blobs");
    List<Path> files;
    try (Stream<Path> all = Files.walk(blobsA)) {
      files = all.filter(p -> p.getFileName().toString().equals(lost.digest().hex())).toList();
    }
    assertThat(files).as("the layer's file in region a's blob directory").hasSize(1);
    Files.delete(files.get(0));
    Image after = OciImages.image(false, "amd64", 1, 40_000, 62);
    String da = push(a, "team/after-poison", after, "v1");
    publish(tmp, a.url(0), "corp.example.com/after-poison", "v1.0.0");

    replicator = startReplicator(2);
    awaitServed(b, "team/after-poison", "v1", da);
    await().atMost(CROSS).until(() -> serves(b.url(0), "corp.example.com/after-poison", "v1.0.0"));
    assertThat(served(b, "team/poison", dm)).as("its manifest could not be replicated").isNull();

    // the dead-lettered events, with the reason, on the status endpoint and in the metrics
    await()
        .atMost(CROSS)
        .until(() -> replicator.link("a->b").path("deadLetters").path("count").asLong() >= 2);
    JsonNode dead = replicator.link("a->b").path("deadLetters");
    List<String> changes = new ArrayList<>();
    for (JsonNode e : dead.path("last")) {
      assertThat(e.path("originRegion").asText()).isEqualTo("a");
      assertThat(e.path("reason").asText()).contains(lost.digest().toString());
      changes.add(e.path("change").asText());
    }
    assertThat(changes).contains("MANIFEST_PUT", "BLOB_LINK_ADDED");
    assertThat(
            io.berth.it.support.GoPublishing.metric(
                replicator.metrics(), "berth_link_dead_letters_total{link=\"a->b\""))
        .isEqualTo(dead.path("count").asDouble());

    // the list is kept in ZooKeeper: a restarted (or standby) instance shows it too
    replicator.close();
    replicator = startReplicator(2);
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () ->
                assertThat(replicator.link("a->b").path("deadLetters").path("count").asLong())
                    .isEqualTo(dead.path("count").asLong()));
    assertThat(replicator.link("a->b").path("deadLetters").path("last").size())
        .isEqualTo(dead.path("last").size());
  }
}
