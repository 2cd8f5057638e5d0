package io.berth.coordinator.election;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.coordinator.membership.TableStore;
import io.berth.platform.zk.LeaderElection;
import io.berth.proto.coordinator.v1.RoutingTable;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The election and fenced table writes against a real ZooKeeper. */
class CoordinatorElectionIT {
  static TestingServer zk;

  @BeforeAll
  static void startZk() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterAll
  static void stopZk() throws Exception {
    zk.close();
  }

  static CuratorFramework client() {
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .sessionTimeoutMs(5_000)
            .namespace("berth")
            .retryPolicy(new RetryOneTime(100))
            .build();
    c.start();
    return c;
  }

  @Test
  void aStaleTermsWriteIsRejectedAndTheNewTermsIsAccepted() throws Exception {
    List<LeaderElection.Term> terms = new CopyOnWriteArrayList<>();
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    LeaderElection.Work work =
        term -> {
          max.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
          terms.add(term);
          try {
            while (term.valid()) {
              Thread.sleep(20);
            }
          } finally {
            concurrent.decrementAndGet();
          }
        };
    try (CuratorFramework c1 = client();
        CuratorFramework c2 = client()) {
      LeaderElection e1 =
          new LeaderElection(c1, "/t1", "one", LeaderElection.Requeue.AT_ONCE, work).start();
      LeaderElection e2 =
          new LeaderElection(c2, "/t1", "two", LeaderElection.Requeue.AT_ONCE, work).start();
      await().atMost(Duration.ofSeconds(20)).until(() -> terms.size() == 1);
      LeaderElection first = e1.isLeader() ? e1 : e2;
      LeaderElection second = first == e1 ? e2 : e1;
      LeaderElection.Term old = terms.get(0);
      FencedWriter w = new FencedWriter(first == e1 ? c1 : c2, first.epochPath());
      w.write(old, "/t1/table", new byte[] {1});
      first.close();
      await().atMost(Duration.ofSeconds(20)).until(() -> terms.size() == 2);
      LeaderElection.Term now = terms.get(1);
      assertThat(now.epoch()).isGreaterThan(old.epoch());
      assertThat(second.isLeader()).isTrue();
      LeaderElection.Term staleButLooksValid =
          new LeaderElection.Term() {
            @Override
            public long epoch() {
              return old.epoch();
            }

            @Override
            public int epochVersion() {
              return old.epochVersion();
            }

            @Override
            public boolean valid() {
              return true; // a paused old leader that has not noticed yet
            }
          };
      assertThatThrownBy(() -> w.write(staleButLooksValid, "/t1/table", new byte[] {2}))
          .isInstanceOf(StaleLeaderException.class);
      new FencedWriter(second == e1 ? c1 : c2, second.epochPath())
          .write(now, "/t1/table", new byte[] {3});
      assertThat(c1.getData().forPath("/t1/table")).containsExactly(3);
      second.close();
    }
    assertThat(max.get()).isEqualTo(1);
  }

  @Test
  void theTableStoreNeverGoesBack() {
    List<Long> seen = new CopyOnWriteArrayList<>();
    TableStore store = new TableStore(null, t -> seen.add(t.table().getVersion()));
    RoutingTable e5v2 = RoutingTable.newBuilder().setEpoch(5).setVersion(2).build();
    assertThat(store.offer(e5v2)).isTrue();
    assertThat(store.offer(RoutingTable.newBuilder().setEpoch(5).setVersion(1).build())).isFalse();
    assertThat(store.offer(RoutingTable.newBuilder().setEpoch(4).setVersion(9).build())).isFalse();
    assertThat(store.offer(RoutingTable.newBuilder().setEpoch(6).setVersion(1).build())).isTrue();
    assertThat(seen).containsExactly(2L, 1L);
    assertThat(store.current().table().getEpoch()).isEqualTo(6);
  }
}
