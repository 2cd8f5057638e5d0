package io.berth.replicator.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.TagDelete;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The dead-letter journal in a real ZooKeeper: survives a new instance, bounded, shared count. */
class ZooKeeperDeadLettersIT {
  static TestingServer zk;

  @BeforeAll
  static void start() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterAll
  static void stop() throws Exception {
    zk.close();
  }

  static CuratorFramework client() {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .sessionTimeoutMs(10_000)
            .connectionTimeoutMs(3000)
            .retryPolicy(new BoundedExponentialBackoffRetry(100, 1000, 10))
            .namespace("berth")
            .build();
    c.start();
    return c;
  }

  static ChangeEvent event(long seq) {
    return ChangeEvent.newBuilder()
        .setOriginRegion("eu")
        .setOriginNode("eu-1")
        .setSeq(seq)
        .setKey("oci:team/app")
        .setTagDelete(TagDelete.newBuilder().setRepository("team/app").setTag("t" + seq))
        .build();
  }

  @Test
  void entriesSurviveANewInstanceAndOnlyTheNewestAreKept() throws Exception {
    try (CuratorFramework one = client()) {
      DeadLetters first = new DeadLetters(2, new ZooKeeperDeadLetters(one, "eu", "us", 2));
      first.restore();
      assertThat(first.count()).isZero();
      for (long s = 1; s <= 3; s++) {
        first.add(event(s), "no blob sha256:" + s, 1000 + s);
      }
      assertThat(first.count()).isEqualTo(3);
    }
    try (CuratorFramework two = client()) {
      DeadLetters second = new DeadLetters(2, new ZooKeeperDeadLetters(two, "eu", "us", 2));
      assertThat(second.count()).as("nothing before the instance takes the link").isZero();
      second.restore();
      assertThat(second.count()).isEqualTo(3);
      assertThat(second.entries()).extracting(DeadLetters.Entry::seq).containsExactly(2L, 3L);
      assertThat(second.entries().get(1).reason()).isEqualTo("no blob sha256:3");
      assertThat(second.entries().get(1).change()).isEqualTo("TAG_DELETE");
      second.add(event(4), "refused", 2000);
      assertThat(second.count()).isEqualTo(4);
      assertThat(two.getChildren().forPath("/replication/links/eu/us/dead-letters")).hasSize(2);
      DeadLetters other = new DeadLetters(5, new ZooKeeperDeadLetters(two, "us", "eu", 5));
      other.restore();
      assertThat(other.count()).as("another link's list").isZero();
    }
  }
}
