package io.berth.node.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SingleFlightTest {
  @Test
  void concurrentCallsShareOneExecution() throws Exception {
    SingleFlight<String, Integer> sf = new SingleFlight<>();
    AtomicInteger runs = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(20);
    List<Future<SingleFlight.Outcome<Integer>>> fs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      fs.add(
          pool.submit(
              () ->
                  sf.run(
                      "k",
                      () -> {
                        runs.incrementAndGet();
                        release.await(5, TimeUnit.SECONDS);
                        return 42;
                      })));
    }
    while (sf.waits() < 19) {
      Thread.sleep(5);
    }
    release.countDown();
    int leaders = 0;
    for (var f : fs) {
      var o = f.get();
      assertThat(o.value()).isEqualTo(42);
      leaders += o.leader() ? 1 : 0;
    }
    pool.shutdown();
    assertThat(runs.get()).isEqualTo(1);
    assertThat(leaders).isEqualTo(1);
    assertThat(sf.run("k", () -> 7).value()).as("a later call runs anew").isEqualTo(7);
  }

  @Test
  void failuresAreSharedAndTheKeyIsFreed() throws Exception {
    SingleFlight<String, Integer> sf = new SingleFlight<>();
    assertThatThrownBy(
            () ->
                sf.run(
                    "k",
                    () -> {
                      throw new IllegalStateException("boom");
                    }))
        .hasMessage("boom");
    assertThat(sf.run("k", () -> 1).value()).isEqualTo(1);
  }

  @Test
  void waitersGiveUpAfterTheirBoundedWaitWhileTheLeaderGoesOn() throws Exception {
    SingleFlight<String, Integer> sf = new SingleFlight<>(java.time.Duration.ofMillis(300));
    CountDownLatch started = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    ExecutorService pool = Executors.newSingleThreadExecutor();
    try {
      Future<SingleFlight.Outcome<Integer>> leader =
          pool.submit(
              () ->
                  sf.run(
                      "k",
                      () -> {
                        started.countDown();
                        release.await(60, TimeUnit.SECONDS);
                        return 1;
                      }));
      assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
      assertThatThrownBy(() -> sf.run("k", () -> 2))
          .isInstanceOf(java.util.concurrent.TimeoutException.class)
          .hasMessageContaining("retry later");
      release.countDown();
      assertThat(leader.get(30, TimeUnit.SECONDS).value()).isEqualTo(1);
      assertThat(leader.get().leader()).isTrue();
    } finally {
      pool.shutdownNow();
    }
  }
}
