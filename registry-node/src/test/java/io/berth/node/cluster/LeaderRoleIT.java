package io.berth.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Leader roles against a real ZooKeeper server: one leader at a time, rising epochs, fencing. */
class LeaderRoleIT {
  static TestingServer zk;

  @BeforeAll
  static void startZk() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterAll
  static void stopZk() throws Exception {
    zk.close();
  }

  /** Leads until its fence turns invalid, counting concurrent leaders. */
  static LeaderRole.Leadership work(
      AtomicInteger concurrent, AtomicInteger maxConcurrent, List<Long> epochs) {
    return fence -> {
      int now = concurrent.incrementAndGet();
      maxConcurrent.accumulateAndGet(now, Math::max);
      epochs.add(fence.epoch());
      try {
        while (fence.valid()) {
          Thread.sleep(20);
        }
      } finally {
        concurrent.decrementAndGet();
      }
    };
  }

  @Test
  void oneLeaderAtATimeAndEveryTermHasAHigherEpoch() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Long> epochs = new CopyOnWriteArrayList<>();
    try (ZooKeeperSession s1 = new ZooKeeperSession(zk.getConnectString(), 5000).start();
        ZooKeeperSession s2 = new ZooKeeperSession(zk.getConnectString(), 5000).start()) {
      LeaderRole a = new LeaderRole(s1, "/leaders/test1", "a", work(concurrent, max, epochs));
      LeaderRole b = new LeaderRole(s2, "/leaders/test1", "b", work(concurrent, max, epochs));
      a.start();
      b.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
      LeaderRole first = a.isLeader() ? a : b;
      LeaderRole second = first == a ? b : a;
      long firstEpoch = first.epoch();
      first.close();
      await().atMost(Duration.ofSeconds(20)).until(second::isLeader);
      assertThat(second.epoch()).isGreaterThan(firstEpoch);
      second.close();
    }
    assertThat(max.get()).as("leaders at the same time").isEqualTo(1);
    assertThat(epochs).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void losingTheConnectionEndsTheTermAndTheFenceTurnsInvalid() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<Long> epochs = new CopyOnWriteArrayList<>();
    List<LeaderRole.Fence> fences = new CopyOnWriteArrayList<>();
    try (ZooKeeperSession s = new ZooKeeperSession(zk.getConnectString(), 4000).start()) {
      LeaderRole role =
          new LeaderRole(
              s,
              "/leaders/test2",
              "solo",
              fence -> {
                fences.add(fence);
                work(concurrent, max, epochs).lead(fence);
              });
      role.start();
      await().atMost(Duration.ofSeconds(20)).until(role::isLeader);
      LeaderRole.Fence term = fences.get(0);
      assertThat(term.valid()).isTrue();
      zk.stop();
      await().atMost(Duration.ofSeconds(20)).until(() -> !term.valid() && !role.isLeader());
      zk.restart();
      await().atMost(Duration.ofSeconds(30)).until(role::isLeader);
      assertThat(fences).hasSizeGreaterThan(1);
      assertThat(fences.get(fences.size() - 1).epoch()).isGreaterThan(term.epoch());
      assertThat(term.valid()).as("the old term stays fenced off").isFalse();
      role.close();
    }
  }
}
