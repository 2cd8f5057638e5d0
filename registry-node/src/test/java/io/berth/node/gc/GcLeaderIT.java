package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.TestNodes;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With ZooKeeper configured, garbage collection has one owner among the region's nodes (sharing a
 * blob directory): exactly one node runs it (200), the other answers 409 naming the leader role,
 * and when the leader goes away the other node takes over. Without a change log (Kafka) joining the
 * nodes' indexes the owner may only dry-run: a deleting run is refused (C1, {@link GcSafety}).
 */
class GcLeaderIT {
  @TempDir static Path tmp;
  static TestingServer zk;

  @BeforeAll
  static void startZk() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterAll
  static void stopZk() throws Exception {
    if (zk != null) {
      zk.close();
    }
  }

  static NodeConfig config(String id) {
    NodeConfig c = TestNodes.config(tmp.resolve(id));
    return new NodeConfig(
        new NodeConfig.NodeSection(id, "eu"),
        c.http(),
        new NodeConfig.StorageSection(
                "file", tmp.resolve(id).toString(), tmp.resolve("blobs").toString())
            .withGc(new NodeConfig.GcSection(false, 1L, 0L, 0L, false)),
        c.go(),
        c.sumdb(),
        c.oci(),
        new NodeConfig.ClusterSection(zk.getConnectString(), "", 10_000));
  }

  @Test
  void oneOwnerAtATimeAndFailover() throws Exception {
    NodeAssembly a = new NodeAssembly(config("gc-a")).start();
    NodeAssembly b = new NodeAssembly(config("gc-b")).start();
    try {
      StoredBlob orphan =
          a.rawBlobStore().put(new ByteArrayInputStream(new byte[4321]), PutExpectation.any());
      int[] codes = new int[2];
      await("a leader is elected")
          .atMost(Duration.ofSeconds(30))
          .until(
              () -> {
                codes[0] = Http.post(TestNodes.url(a) + "/_berth/api/gc?dryRun=true").statusCode();
                codes[1] = Http.post(TestNodes.url(b) + "/_berth/api/gc?dryRun=true").statusCode();
                return codes[0] == 200 || codes[1] == 200;
              });
      assertThat(codes).as("exactly one owner").containsExactlyInAnyOrder(200, 409);
      NodeAssembly leader = codes[0] == 200 ? a : b;
      NodeAssembly follower = leader == a ? b : a;
      assertThat(Http.post(TestNodes.url(follower) + "/_berth/api/gc").body())
          .contains("ZooKeeper leader of /leaders/eu/gc");
      assertThat(a.rawBlobStore().stat(orphan.digest()))
          .as("dry runs and 409s delete nothing")
          .isPresent();

      leader.close();
      String[] report = {""};
      await("the other node takes over")
          .atMost(Duration.ofSeconds(60))
          .until(
              () -> {
                var r = Http.post(TestNodes.url(follower) + "/_berth/api/gc?dryRun=true");
                report[0] = r.body();
                return r.statusCode() == 200;
              });
      assertThat(report[0]).as("the new owner's dry run").contains(orphan.digest().toString());
      // the blob directory is shared and no change log joins the indexes: deleting is refused
      var real = Http.post(TestNodes.url(follower) + "/_berth/api/gc");
      assertThat(real.statusCode()).isEqualTo(409);
      assertThat(real.body()).contains("events.kafkaBootstrap");
      assertThat(follower.rawBlobStore().stat(orphan.digest())).isPresent();
    } finally {
      b.close();
      a.close();
    }
  }
}
