package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.IndexDump;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.RegionNodes;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of one region (one blob directory, one topic on a real KRaft broker): what is pushed,
 * retagged and deleted on A, B serves through the OCI change events; concurrent writes of one tag
 * on both nodes converge to the same digest; a node started empty rebuilds the OCI index.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciReplicationIT {
  @TempDir static Path tmp;
  static KafkaBroker kafka;
  static Path blobs;
  static StorageUnderTest storage;

  /** Storage the nodes share; the default is one blob directory. */
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void startKafka() throws Exception {
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
    blobs = tmp.resolve("shared-blobs");
    storage = storage();
  }

  @AfterAll
  void stopKafka() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  static NodeConfig nodeConfig(String id, String topic) {
    return nodeConfig(id, topic, 0);
  }

  static NodeConfig nodeConfig(String id, String topic, long relayDelayMillis) {
    return storage.apply(
        RegionNodes.config(
            tmp,
            id,
            "eu",
            blobs,
            RegionNodes.events(kafka.bootstrap(), topic, relayDelayMillis, 0, 1_000)));
  }

  /** Every live tag, manifest and link of a node with its stamp, comparable across nodes. */
  static Map<String, String> dump(NodeAssembly node) {
    return IndexDump.of(node);
  }

  static Image push(OciClient oci, String repo, String tag, long seed) {
    Image img = OciImages.image(false, "amd64", 2, 10_000, seed);
    for (Blob b : img.blobs()) {
      oci.pushBlob(repo, b.bytes());
    }
    assertThat(
            oci.putManifest(repo, tag, img.manifest().mediaType(), img.manifest().bytes()).status())
        .isEqualTo(201);
    return img;
  }

  @Test
  void pushRetagAndDeleteOnAAreServedByB() throws Exception {
    String topic = "berth.eu.changes.oci";
    try (NodeAssembly a = new NodeAssembly(nodeConfig("a", topic)).start();
        NodeAssembly b = new NodeAssembly(nodeConfig("b", topic)).start()) {
      OciClient onA = new OciClient(TestNodes.url(a));
      OciClient onB = new OciClient(TestNodes.url(b));
      Image v1 = push(onA, "team/app", "v1", 1);
      Image v2 = push(onA, "team/app", "v2", 2);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> onB.get("/v2/team/app/manifests/v2").status() == 200);
      assertThat(onB.get("/v2/team/app/manifests/v1").body()).isEqualTo(v1.manifest().bytes());
      for (Blob layer : v1.layers()) {
        assertThat(onB.get("/v2/team/app/blobs/" + layer.digest()).body()).isEqualTo(layer.bytes());
      }

      assertThat(
              onA.putManifest(
                      "team/app", "latest", v2.manifest().mediaType(), v2.manifest().bytes())
                  .status())
          .isEqualTo(201);
      assertThat(onA.delete("/v2/team/app/manifests/v1").status()).isEqualTo(202);
      assertThat(onA.delete("/v2/team/app/blobs/" + v1.layers().get(0).digest()).status())
          .isEqualTo(202);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  a.changeLog().publishedSeq() == a.changeLog().lastSeq()
                      && dump(b).equals(dump(a)));
      assertThat(onB.head("/v2/team/app/manifests/v1").status()).isEqualTo(404);
      assertThat(onB.get("/v2/team/app/manifests/latest").header("Docker-Content-Digest"))
          .isEqualTo(v2.manifest().digest().toString());
      assertThat(onB.head("/v2/team/app/blobs/" + v1.layers().get(0).digest()).status())
          .isEqualTo(404);

      // a node started empty replays the topic into the same OCI index
      try (NodeAssembly c = new NodeAssembly(nodeConfig("c", topic)).start()) {
        await().atMost(Duration.ofSeconds(60)).until(() -> dump(c).equals(dump(a)));
      }
    }
  }

  /**
   * Fifty rounds of concurrent writes of one tag on A and B (plus deletes every few rounds, on
   * either node), while B's relay holds each batch for 150 ms: A's later writes reach the log
   * before B's earlier ones, so each node applies the other's writes out of order. Both end with
   * the same digest and stamp for the tag, and identical indexes.
   */
  @Test
  void concurrentTagWritesOnBothNodesConvergeWithOutOfOrderDelivery() throws Exception {
    String topic = "berth.eu.changes.oci-tags";
    try (NodeAssembly a = new NodeAssembly(nodeConfig("ta", topic, 0)).start();
        NodeAssembly b = new NodeAssembly(nodeConfig("tb", topic, 150)).start()) {
      OciClient onA = new OciClient(TestNodes.url(a));
      OciClient onB = new OciClient(TestNodes.url(b));
      Image x = push(onA, "race/app", "x", 3);
      Image y = push(onB, "race/app", "y", 4);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  onA.head("/v2/race/app/manifests/y").status() == 200
                      && onB.head("/v2/race/app/manifests/x").status() == 200);
      RepositoryName repo = RepositoryName.parse("race/app");
      Tag tag = Tag.parse("contested");
      java.util.concurrent.atomic.AtomicInteger failures =
          new java.util.concurrent.atomic.AtomicInteger();
      for (int round = 0; round < 50; round++) {
        Thread ta =
            new Thread(
                () -> {
                  if (onA.putManifest(
                              "race/app", "contested", OciImages.OCI_MANIFEST, x.manifest().bytes())
                          .status()
                      != 201) {
                    failures.incrementAndGet();
                  }
                });
        Thread tb =
            new Thread(
                () -> {
                  if (onB.putManifest(
                              "race/app", "contested", OciImages.OCI_MANIFEST, y.manifest().bytes())
                          .status()
                      != 201) {
                    failures.incrementAndGet();
                  }
                });
        ta.start();
        tb.start();
        ta.join();
        tb.join();
        if (round % 7 == 3) {
          (round % 2 == 0 ? onA : onB).delete("/v2/race/app/manifests/contested");
        }
      }
      assertThat(failures).hasValue(0);
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () ->
                  a.changeLog().publishedSeq() == a.changeLog().lastSeq()
                      && b.changeLog().publishedSeq() == b.changeLog().lastSeq()
                      && a.ociIndex().tag(repo, tag).equals(b.ociIndex().tag(repo, tag))
                      && dump(a).equals(dump(b)));
      Digest winner = a.ociIndex().tag(repo, tag).orElseThrow();
      assertThat(winner).isIn(x.manifest().digest(), y.manifest().digest());
      assertThat(dump(a).get("tag race/app:contested"))
          .as("same digest and same winning stamp on both nodes")
          .isEqualTo(dump(b).get("tag race/app:contested"));
      double superseded =
          a.metrics().get("berth_events_applied").tag("result", "superseded").counter().count()
              + b.metrics()
                  .get("berth_events_applied")
                  .tag("result", "superseded")
                  .counter()
                  .count();
      assertThat(superseded)
          .as("some writes arrived after a newer one: out-of-order delivery really happened")
          .isPositive();
    }
  }
}
