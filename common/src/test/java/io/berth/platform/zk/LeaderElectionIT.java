package io.berth.platform.zk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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

/**
 * The contract of {@link LeaderElection} (and of the shared client, {@link ZooKeeperClients})
 * against a real ZooKeeper server (Curator's {@code TestingServer}, one per class): one leader at a
 * time, rising epochs, per-term validity that ends at once when the session is suspended, and the
 * two re-queue policies.
 */
class LeaderElectionIT {
  static TestingServer zk;

  @BeforeAll
  static void start() throws Exception {
    zk = new TestingServer(true);
  }

  @AfterAll
  static void stop() throws Exception {
    zk.close();
  }

  static CuratorFramework client(int sessionMs) {
    CuratorFramework c = ZooKeeperClients.newClient(zk.getConnectString(), sessionMs);
    c.start();
    return c;
  }

  /** Leads until its term turns invalid, counting concurrent leaders. */
  static LeaderElection.Work work(
      AtomicInteger concurrent, AtomicInteger max, List<LeaderElection.Term> terms) {
    return term -> {
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
  }

  static LeaderElection election(
      CuratorFramework c, String path, String id, LeaderElection.Work work) {
    return new LeaderElection(c, path, id, LeaderElection.Requeue.AT_ONCE, work);
  }

  @Test
  void oneLeaderAtATimePerPathAndEachTermHasAHigherEpochAndVersion() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<LeaderElection.Term> terms = new CopyOnWriteArrayList<>();
    try (CuratorFramework c1 = client(5000);
        CuratorFramework c2 = client(5000);
        CuratorFramework c3 = client(5000)) {
      LeaderElection a = election(c1, "/elections/one", "a", work(concurrent, max, terms));
      LeaderElection b = election(c2, "/elections/one", "b", work(concurrent, max, terms));
      LeaderElection other =
          election(
              c3,
              "/elections/two",
              "a",
              work(new AtomicInteger(), new AtomicInteger(), new CopyOnWriteArrayList<>()));
      a.start();
      b.start();
      other.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> a.isLeader() || b.isLeader());
      await()
          .alias("another path has its own leader")
          .atMost(Duration.ofSeconds(20))
          .until(other::isLeader);
      LeaderElection first = a.isLeader() ? a : b;
      LeaderElection second = first == a ? b : a;
      assertThat(second.isLeader()).isFalse();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> second.currentLeader().equals(first == a ? "a" : "b"));
      long e1 = first.epoch();
      first.close();
      assertThat(terms.get(0).valid()).as("closing ends the term at once").isFalse();
      await().atMost(Duration.ofSeconds(20)).until(second::isLeader);
      assertThat(second.epoch()).isGreaterThan(e1);
      assertThat(terms.get(1).epochVersion()).isGreaterThan(terms.get(0).epochVersion());
      assertThat(terms.get(1).valid()).isTrue();
      second.close();
      other.close();
      assertThat(second.state()).isEqualTo(LeaderElection.State.CLOSED);
    }
    assertThat(max.get()).as("leaders of one path at the same time").isEqualTo(1);
    assertThat(terms).extracting(LeaderElection.Term::epoch).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void aSuspendedSessionEndsTheTermAtOnceAndTheOldTermStaysInvalid() throws Exception {
    List<LeaderElection.Term> terms = new CopyOnWriteArrayList<>();
    try (CuratorFramework c = client(4000)) {
      LeaderElection e =
          election(
              c, "/elections/solo", "solo", work(new AtomicInteger(), new AtomicInteger(), terms));
      e.start();
      await().atMost(Duration.ofSeconds(20)).until(e::isLeader);
      LeaderElection.Term t = terms.get(0);
      assertThat(t.valid()).isTrue();
      zk.stop();
      await().atMost(Duration.ofSeconds(20)).until(() -> !t.valid() && !e.isLeader());
      zk.restart();
      await().atMost(Duration.ofSeconds(40)).until(e::isLeader);
      assertThat(terms.get(terms.size() - 1).epoch()).isGreaterThan(t.epoch());
      assertThat(t.valid()).as("the old term stays fenced off").isFalse();
      e.close();
    }
  }

  /**
   * With {@link LeaderElection.Requeue#AFTER_BACKOFF}, a term whose work ends at once with the
   * interrupt flag set (a client library that swallowed an interrupt) is followed by the short-term
   * pause all the same, and the next term starts without that interrupt.
   */
  @Test
  void afterBackoffAShortTermEndingWithAnInterruptDoesNotSpinAndTheNextTermStartsClean()
      throws Exception {
    List<Boolean> interruptedAtStart = new CopyOnWriteArrayList<>();
    try (CuratorFramework c = client(5000)) {
      LeaderElection e =
          new LeaderElection(
              c,
              "/elections/spin",
              "solo",
              LeaderElection.Requeue.AFTER_BACKOFF,
              term -> {
                interruptedAtStart.add(Thread.currentThread().isInterrupted());
                Thread.currentThread().interrupt();
              });
      e.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> e.termsBegun() >= 2);
      long from = e.termsBegun();
      Thread.sleep(3_000);
      long in3s = e.termsBegun() - from;
      e.close();
      assertThat(in3s).as("terms begun in 3 s after two short terms").isLessThanOrEqualTo(4);
      assertThat(interruptedAtStart).doesNotContain(true);
    }
  }

  /**
   * With {@link LeaderElection.Requeue#AT_ONCE}, a participant whose work returns competes again at
   * once: eight quick terms take far less than the 11 s the backoff would add.
   */
  @Test
  void atOnceAParticipantWhoseWorkReturnsLeadsAgainWithoutAPause() throws Exception {
    AtomicInteger quick = new AtomicInteger();
    try (CuratorFramework c = client(5000)) {
      LeaderElection e =
          election(
              c,
              "/elections/again",
              "solo",
              term -> {
                if (quick.incrementAndGet() > 8) {
                  while (term.valid()) {
                    Thread.sleep(20);
                  }
                }
              });
      long start = System.nanoTime();
      e.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> e.termsBegun() >= 9 && e.isLeader());
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      e.close();
      assertThat(took).isLessThan(Duration.ofSeconds(8));
    }
  }

  @Test
  void startingTwiceIsRefusedAndClosingTwiceIsHarmless() throws Exception {
    try (CuratorFramework c = client(5000)) {
      LeaderElection e = election(c, "/elections/twice", "solo", term -> {});
      assertThat(e.epoch()).as("never led").isEqualTo(-1);
      e.start();
      assertThatThrownBy(e::start).isInstanceOf(IllegalStateException.class);
      e.close();
      e.close();
      assertThat(e.isLeader()).isFalse();
    }
  }

  @Test
  void theSharedClientWritesUnderTheBerthNamespaceAndRefusesANonPositiveSessionTimeout()
      throws Exception {
    try (CuratorFramework c = client(5000);
        CuratorFramework raw =
            CuratorFrameworkFactory.newClient(zk.getConnectString(), new RetryOneTime(100))) {
      raw.start();
      c.create().creatingParentsIfNeeded().forPath("/clients/probe", new byte[] {1});
      assertThat(raw.checkExists().forPath("/berth/clients/probe")).isNotNull();
      assertThat(c.getZookeeperClient().getConnectionTimeoutMs()).isEqualTo(5000);
    }
    assertThatThrownBy(() -> ZooKeeperClients.newClient(zk.getConnectString(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("session timeout");
  }
}
