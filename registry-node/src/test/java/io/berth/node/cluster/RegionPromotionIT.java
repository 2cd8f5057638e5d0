package io.berth.node.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Promotion of a DR replica region through a real ZooKeeper: once per failover, watched. */
class RegionPromotionIT {
  static TestingServer zk;
  static ZooKeeperSession session;

  @BeforeAll
  static void start() throws Exception {
    zk = new TestingServer(true);
    session = new ZooKeeperSession(zk.getConnectString(), 5000).start();
    assertThat(session.awaitConnected(20_000)).isTrue();
  }

  @AfterAll
  static void stop() throws Exception {
    session.close();
    zk.close();
  }

  @Test
  void promotedOncePerFailoverAndNodesSeeIt() throws Exception {
    try (RegionPromotion watch = new RegionPromotion(session, "dr").start()) {
      assertThat(watch.promoted()).isFalse();
      assertThat(RegionPromotion.read(session.client(), "dr")).isEmpty();
      RegionPromotion.Role r = RegionPromotion.promote(session.client(), "dr", "ops@host");
      assertThat(r.failover()).isEqualTo(1);
      await().atMost(Duration.ofSeconds(10)).until(watch::promoted);
      assertThatThrownBy(() -> RegionPromotion.promote(session.client(), "dr", "someone else"))
          .isInstanceOf(PromotionException.class)
          .hasMessageContaining("already promoted (failover 1")
          .hasMessageContaining("by ops@host")
          .hasMessageContaining("berth demote --region dr");
      RegionPromotion.demote(session.client(), "dr", "ops@host");
      await().atMost(Duration.ofSeconds(10)).until(() -> !watch.promoted());
      assertThatThrownBy(() -> RegionPromotion.demote(session.client(), "dr", "x"))
          .isInstanceOf(PromotionException.class)
          .hasMessageContaining("not promoted");
      assertThat(RegionPromotion.promote(session.client(), "dr", "ops@host").failover())
          .as("the next failover")
          .isEqualTo(2);
      await().atMost(Duration.ofSeconds(10)).until(watch::promoted);
    }
  }

  @Test
  void ofConcurrentPromotionsExactlyOneWins() throws Exception {
    List<ZooKeeperSession> sessions = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      ZooKeeperSession s = new ZooKeeperSession(zk.getConnectString(), 5000).start();
      assertThat(s.awaitConnected(20_000)).isTrue();
      sessions.add(s);
    }
    AtomicInteger won = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    CountDownLatch go = new CountDownLatch(1);
    List<CompletableFuture<Void>> all = new ArrayList<>();
    for (ZooKeeperSession s : sessions) {
      all.add(
          CompletableFuture.runAsync(
              () -> {
                try {
                  go.await();
                  RegionPromotion.promote(s.client(), "race", "p");
                  won.incrementAndGet();
                } catch (PromotionException e) {
                  refused.incrementAndGet();
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              }));
    }
    go.countDown();
    all.forEach(CompletableFuture::join);
    assertThat(won.get()).isEqualTo(1);
    assertThat(refused.get()).isEqualTo(sessions.size() - 1);
    sessions.forEach(ZooKeeperSession::close);
  }
}
