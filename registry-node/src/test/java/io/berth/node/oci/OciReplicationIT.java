package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
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
    NodeConfig c = TestNodes.config(tmp.resolve(id));
    NodeConfig shared =
        new NodeConfig(
            new NodeConfig.NodeSection(id, "eu"),
            c.http(),
            new NodeConfig.StorageSection("file", tmp.resolve(id).toString(), blobs.toString()),
            c.go(),
            c.sumdb(),
            c.oci(),
            c.cluster(),
            new NodeConfig.EventsSection(kafka.bootstrap(), topic, true, 3, (short) 1, 1, 24L, 0L));
    return storage.apply(shared);
  }

  /** Every live tag, manifest and link of a node, comparable across nodes. */
  static Map<String, String> dump(NodeAssembly node) {
    Map<String, String> out = new TreeMap<>();
    node.ociIndex()
        .forEachTag(t -> out.put("tag " + t.getRepository() + ":" + t.getTag(), t.getDigest()));
    node.ociIndex()
        .forEachManifest(
            m -> out.put("manifest " + m.getRepository() + "@" + m.getDigest(), m.getMediaType()));
    node.ociIndex()
        .forEachBlobLink(l -> out.put("link " + l.getRepository() + "@" + l.getDigest(), ""));
    return out;
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

  @Test
  void concurrentTagWritesOnBothNodesConverge() throws Exception {
    String topic = "berth.eu.changes.oci-tags";
    try (NodeAssembly a = new NodeAssembly(nodeConfig("ta", topic)).start();
        NodeAssembly b = new NodeAssembly(nodeConfig("tb", topic)).start()) {
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
      for (int round = 0; round < 10; round++) {
        Thread ta =
            new Thread(
                () ->
                    onA.putManifest(
                        "race/app", "contested", OciImages.OCI_MANIFEST, x.manifest().bytes()));
        Thread tb =
            new Thread(
                () ->
                    onB.putManifest(
                        "race/app", "contested", OciImages.OCI_MANIFEST, y.manifest().bytes()));
        ta.start();
        tb.start();
        ta.join();
        tb.join();
        if (round % 3 == 2) {
          onA.delete("/v2/race/app/manifests/contested");
        }
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  a.changeLog().publishedSeq() == a.changeLog().lastSeq()
                      && b.changeLog().publishedSeq() == b.changeLog().lastSeq()
                      && a.ociIndex().tag(repo, tag).equals(b.ociIndex().tag(repo, tag))
                      && dump(a).equals(dump(b)));
      Digest winner = a.ociIndex().tag(repo, tag).orElseThrow();
      assertThat(winner).isIn(x.manifest().digest(), y.manifest().digest());
    }
  }
}
