package io.berth.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.TestNodes;
import io.berth.proto.coordinator.v1.Member;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes register in a real ZooKeeper, refresh their record, measure each other, and leave. */
class MembershipIT {
  static TestingServer zk;
  static CuratorFramework reader;

  @BeforeAll
  static void startZk() throws Exception {
    zk = new TestingServer(true);
    reader =
        CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .namespace("berth")
            .retryPolicy(new RetryOneTime(100))
            .build();
    reader.start();
  }

  @AfterAll
  static void stopZk() throws Exception {
    reader.close();
    zk.close();
  }

  static NodeAssembly node(Path dir, String id, String region) throws InterruptedException {
    return TestNodes.start(
        dir,
        c ->
            new NodeConfig(
                new NodeConfig.NodeSection(id, region),
                c.http(),
                c.storage(),
                TestNodes.go("off", List.of("corp.example.com"), 60),
                c.sumdb(),
                c.oci(),
                new NodeConfig.ClusterSection(
                    zk.getConnectString(), "", 5_000, 300L, 300L, 1_000L)));
  }

  static Member read(String region, String id) throws Exception {
    return Member.parseFrom(reader.getData().forPath("/coordinator/members/" + region + "/" + id));
  }

  @Test
  void registersRefreshesMeasuresPeersAndLeavesOnClose(@TempDir Path a, @TempDir Path b)
      throws Exception {
    try (NodeAssembly n1 = node(a, "n1", "eu")) {
      NodeAssembly n2 = node(b, "n2", "us");
      try {
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> reader.checkExists().forPath("/coordinator/members/us/n2") != null);
        Member m = read("eu", "n1");
        assertThat(m.getRegion()).isEqualTo("eu");
        assertThat(m.getNodeId()).isEqualTo("n1");
        assertThat(m.getUrl()).isEqualTo("http://127.0.0.1:" + n1.port());
        assertThat(m.getHealthy()).isTrue();
        assertThat(m.getCaughtUp()).isTrue();
        assertThat(m.getPrivatePatternsList()).containsExactly("corp.example.com");
        long firstBeat = m.getHeartbeatMillis();
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> assertThat(read("eu", "n1").getHeartbeatMillis()).isGreaterThan(firstBeat));
        await()
            .atMost(Duration.ofSeconds(30))
            .untilAsserted(
                () ->
                    assertThat(read("eu", "n1").getPeersList())
                        .anySatisfy(
                            p -> {
                              assertThat(p.getTargetId()).isEqualTo("n2");
                              assertThat(p.getTargetRegion()).isEqualTo("us");
                              assertThat(p.getSuccessRate()).isEqualTo(1.0);
                              assertThat(p.getTtfbMicros()).isPositive();
                            }));
      } finally {
        n2.close();
      }
      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> reader.checkExists().forPath("/coordinator/members/us/n2") == null);
      assertThat(reader.checkExists().forPath("/coordinator/members/eu/n1")).isNotNull();
    }
  }
}
