package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.ModulePath;
import io.berth.node.index.IndexException;
import io.berth.node.index.RegionCatchUp;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EventApplierTest {
  @TempDir Path dir;
  RocksIndexStore store;
  RocksChangeLog changes;
  RocksModuleIndex modules;
  SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  @BeforeEach
  void open() {
    store = new RocksIndexStore(dir);
    changes = new RocksChangeLog(store, "b", "eu", 60_000);
    modules = new RocksModuleIndex(store, changes);
    changes.attach(modules, new RocksSumdbIndex(store, changes));
  }

  @AfterEach
  void close() {
    store.close();
  }

  static ChangeEvent event(long seq) {
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion("eu")
        .setOriginNode("a")
        .setOriginIncarnation("ia")
        .setSeq(seq)
        .setHlc(io.berth.proto.events.v1.Hlc.newBuilder().setWallMillis(1000 + seq))
        .setKey("go:example.com/m@v1.0." + seq)
        .setGoVersionStored(
            GoVersionStored.newBuilder()
                .setRecord(
                    ModuleVersionRecord.newBuilder()
                        .setModulePath("example.com/m")
                        .setVersion("v1.0." + seq)
                        .setZipDigest(String.format("sha256:%064x", seq))))
        .build();
  }

  double applied(String result) {
    return metrics.get("berth_events_applied").tag("result", result).counter().count();
  }

  /**
   * A log that always has one more event: every poll returns a batch, so the applier never sees the
   * log empty and commits only on time.
   */
  @Test
  void whileEventsKeepComingThePositionIsCommittedAboutOnceASecondNotAfterEveryBatch()
      throws Exception {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    java.util.concurrent.atomic.AtomicInteger polls =
        new java.util.concurrent.atomic.AtomicInteger();
    ChangeSubscriber busy =
        new DelegatingChangeSubscriber(log) {
          @Override
          public java.util.List<ChangeEvent> poll(Duration timeout) {
            log.append(event(log.size() + 1));
            polls.incrementAndGet();
            return super.poll(timeout);
          }
        };
    long start = System.nanoTime();
    EventApplier applier = new EventApplier(changes, busy, metrics, applied -> {}).start();
    await().atMost(Duration.ofSeconds(30)).until(() -> polls.get() >= 40 && log.committed() > 0);
    int commitsWhileBusy = log.commits();
    double seconds = (System.nanoTime() - start) / 1e9;
    applier.close();
    assertThat(commitsWhileBusy)
        .as("%d batches in %.1f s", polls.get(), seconds)
        .isBetween(1, (int) seconds + 1);
    assertThat(log.committed())
        .as("closing commits what was applied: nothing is delivered again after a clean stop")
        .isEqualTo(log.position().next().get(0).intValue());
    assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0." + log.committed())).isPresent();
  }

  @Test
  void aStopBetweenAPollAndItsApplyCommitsNothing() {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    log.append(event(1));
    // the delay keeps the polled batch unapplied while the applier is stopped
    EventApplier applier = new EventApplier(changes, log, metrics, applied -> {}, 60_000).start();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> log.position().next().getOrDefault(0, 0L) == 1L);
    applier.close();
    assertThat(log.committed()).as("the polled event was never applied").isZero();
    assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0.1")).isEmpty();
  }

  @Test
  void aFailedApplyRewindsSoNothingPolledButUnappliedIsCommitted() {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    AtomicBoolean failOnce = new AtomicBoolean(true);
    io.berth.node.index.ChangeLog flaky =
        new DelegatingChangeLog(changes) {
          @Override
          public ApplyResult apply(ChangeEvent e) {
            if (e.getSeq() == 2 && failOnce.getAndSet(false)) {
              throw new IndexException("disk hiccup", null);
            }
            return super.apply(e);
          }
        };
    for (long s = 1; s <= 3; s++) {
      log.append(event(s));
    }
    try (EventApplier applier = new EventApplier(flaky, log, metrics, applied -> {}).start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> log.committed() == 3);
      assertThat(log.rewinds()).isEqualTo(1);
      for (long s = 1; s <= 3; s++) {
        assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0." + s)).isPresent();
      }
      assertThat(applied("applied")).isEqualTo(3);
      assertThat(applied("duplicate")).as("event 1 came again after the rewind").isEqualTo(1);
      assertThat(applier.caughtUp()).isTrue();
    }
  }

  @Test
  void theHookIsToldTheEventsThatChangedTheIndexOnceAfterTheirBatch() {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    for (long s = 1; s <= 3; s++) {
      log.append(event(s));
    }
    log.append(event(2)); // a duplicate: delivered again, changes nothing
    java.util.List<Long> told = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (EventApplier applier =
        new EventApplier(
                changes,
                log,
                metrics,
                applied -> {
                  for (ChangeEvent e : applied) {
                    // the hook runs after the batch is applied: the index already has the event
                    assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0." + e.getSeq()))
                        .isPresent();
                    told.add(e.getSeq());
                  }
                })
            .start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> log.committed() == 4);
      assertThat(told).containsExactly(1L, 2L, 3L);
      assertThat(applied("duplicate")).isEqualTo(1);
    }
  }

  @Test
  void aFailingHookDoesNotUndoOrStopTheApply() {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    log.append(event(1));
    try (EventApplier applier =
        new EventApplier(
                changes,
                log,
                metrics,
                applied -> {
                  throw new IllegalStateException("hook broke");
                })
            .start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> log.committed() == 1);
      log.append(event(2));
      await().atMost(Duration.ofSeconds(30)).until(() -> log.committed() == 2);
      assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0.2")).isPresent();
      assertThat(log.rewinds()).as("the apply itself did not fail").isZero();
    }
  }

  @Test
  void aMalformedEventIsSkippedAndCountedAndTheEventsAroundItAreApplied() {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    log.append(event(1));
    // a bad zip digest, as a faulty node or client might write it to the region topic
    ChangeEvent bad = event(2);
    log.append(
        bad.toBuilder()
            .setGoVersionStored(
                bad.getGoVersionStored().toBuilder()
                    .setRecord(
                        bad.getGoVersionStored().getRecord().toBuilder()
                            .setZipDigest("sha256:not-hex")))
            .build());
    log.append(event(3));
    try (EventApplier applier = new EventApplier(changes, log, metrics, applied -> {}).start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> log.committed() == 3);
      assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0.1")).isPresent();
      assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0.2"))
          .as("the malformed event is not applied")
          .isEmpty();
      assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0.3")).isPresent();
      assertThat(applied("invalid")).isEqualTo(1);
      assertThat(applied("applied")).isEqualTo(2);
      assertThat(log.rewinds()).as("no failed batch, no retry loop").isZero();
      assertThat(applier.caughtUp()).isTrue();
    }
  }

  @Test
  void aMissWaitsOnlyWhileBehindTheLogAndAtMostTheLimit() throws Exception {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    log.append(event(1));
    try (EventApplier applier = new EventApplier(changes, log, metrics, applied -> {})) {
      assertThat(applier.await(Duration.ofSeconds(1)))
          .as("not started: no log to wait for")
          .isEqualTo(RegionCatchUp.Outcome.UNAVAILABLE);
      applier.start();
      await().atMost(Duration.ofSeconds(30)).until(applier::caughtUp);
      assertThat(applier.await(Duration.ofSeconds(30))).isEqualTo(RegionCatchUp.Outcome.CURRENT);

      log.pause(true);
      log.append(event(2));
      long t0 = System.nanoTime();
      assertThat(applier.await(Duration.ofMillis(300))).isEqualTo(RegionCatchUp.Outcome.TIMED_OUT);
      assertThat(Duration.ofNanos(System.nanoTime() - t0))
          .isGreaterThanOrEqualTo(Duration.ofMillis(300));

      Thread resume =
          new Thread(
              () -> {
                try {
                  Thread.sleep(200);
                } catch (InterruptedException e) {
                  return;
                }
                log.pause(false);
              });
      resume.start();
      assertThat(applier.await(Duration.ofSeconds(30))).isEqualTo(RegionCatchUp.Outcome.CAUGHT_UP);
      assertThat(modules.get(ModulePath.of("example.com/m"), "v1.0.2"))
          .as("what the wait was for is applied when it returns")
          .isPresent();
      resume.join();
    }
  }

  @Test
  void anUnreachableLogCostsAMissNoMoreThanTheLimit() throws Exception {
    InMemoryChangeSubscriber log = new InMemoryChangeSubscriber();
    try (EventApplier applier = new EventApplier(changes, log, metrics, applied -> {}).start()) {
      log.unreachable(true);
      long t0 = System.nanoTime();
      assertThat(applier.await(Duration.ofMillis(200)))
          .isEqualTo(RegionCatchUp.Outcome.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
  }
}
