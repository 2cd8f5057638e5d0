package io.berth.replicator.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.BoundedExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Link ownership on a real ZooKeeper: one owner at a time, rising epochs, loss on suspension. */
class LinkOwnershipIT {
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
    CuratorFramework c =
        CuratorFrameworkFactory.builder()
            .connectString(zk.getConnectString())
            .sessionTimeoutMs(sessionMs)
            .connectionTimeoutMs(3000)
            .retryPolicy(new BoundedExponentialBackoffRetry(100, 1000, 10))
            .namespace("berth")
            .build();
    c.start();
    return c;
  }

  static LinkOwnership.Work work(
      AtomicInteger concurrent, AtomicInteger max, List<LinkOwnership.Term> terms) {
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

  @Test
  void exactlyOneOwnerAndEachTermHasAHigherEpoch() throws Exception {
    AtomicInteger concurrent = new AtomicInteger();
    AtomicInteger max = new AtomicInteger();
    List<LinkOwnership.Term> terms = new CopyOnWriteArrayList<>();
    try (CuratorFramework c1 = client(5000);
        CuratorFramework c2 = client(5000);
        CuratorFramework c3 = client(5000)) {
      LinkOwnership a = new LinkOwnership(c1, "eu", "us", "a", work(concurrent, max, terms));
      LinkOwnership b = new LinkOwnership(c2, "eu", "us", "b", work(concurrent, max, terms));
      LinkOwnership other =
          new LinkOwnership(
              c3,
              "us",
              "eu",
              "a",
              work(new AtomicInteger(), new AtomicInteger(), new CopyOnWriteArrayList<>()));
      a.start();
      b.start();
      other.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> a.isOwner() || b.isOwner());
      await().atMost(Duration.ofSeconds(20)).until(other::isOwner);
      LinkOwnership first = a.isOwner() ? a : b;
      LinkOwnership second = first == a ? b : a;
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> second.currentOwner().equals(first == a ? "a" : "b"));
      long e1 = first.epoch();
      first.close();
      await().atMost(Duration.ofSeconds(20)).until(second::isOwner);
      assertThat(second.epoch()).isGreaterThan(e1);
      assertThat(terms.get(0).valid()).as("the closed owner's term is over").isFalse();
      second.close();
      other.close();
    }
    assertThat(max.get()).as("owners at the same time").isEqualTo(1);
    assertThat(terms).extracting(LinkOwnership.Term::epoch).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void aSuspendedSessionEndsTheTermAtOnce() throws Exception {
    List<LinkOwnership.Term> terms = new CopyOnWriteArrayList<>();
    try (CuratorFramework c = client(4000)) {
      LinkOwnership o =
          new LinkOwnership(
              c, "eu", "ap", "solo", work(new AtomicInteger(), new AtomicInteger(), terms));
      o.start();
      await().atMost(Duration.ofSeconds(20)).until(o::isOwner);
      LinkOwnership.Term t = terms.get(0);
      zk.stop();
      await().atMost(Duration.ofSeconds(20)).until(() -> !t.valid() && !o.isOwner());
      zk.restart();
      await().atMost(Duration.ofSeconds(40)).until(o::isOwner);
      assertThat(terms.get(terms.size() - 1).epoch()).isGreaterThan(t.epoch());
      assertThat(t.valid()).isFalse();
      o.close();
    }
  }

  /**
   * A term whose work ends at once with the interrupt flag set (a client library that swallowed an
   * interrupt) is followed by the short-term pause all the same, and the next term starts without
   * that interrupt: before, the pause was skipped and the owner spun through terms at full speed.
   */
  @Test
  void aTermEndingWithAnInterruptDoesNotSpinAndTheNextTermStartsClean() throws Exception {
    List<Boolean> interruptedAtStart = new CopyOnWriteArrayList<>();
    try (CuratorFramework c = client(5000)) {
      LinkOwnership o =
          new LinkOwnership(
              c,
              "eu",
              "spin",
              "solo",
              term -> {
                interruptedAtStart.add(Thread.currentThread().isInterrupted());
                Thread.currentThread().interrupt();
              });
      o.start();
      await().atMost(Duration.ofSeconds(20)).until(() -> o.termsBegun() >= 2);
      long from = o.termsBegun();
      Thread.sleep(3_000);
      long in3s = o.termsBegun() - from;
      o.close();
      assertThat(in3s).as("terms begun in 3 s after two short terms").isLessThanOrEqualTo(4);
      assertThat(interruptedAtStart).doesNotContain(true);
    }
  }
}
