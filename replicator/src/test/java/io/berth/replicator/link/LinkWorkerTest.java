package io.berth.replicator.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.proto.events.v1.BlobLinkAdded;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.events.v1.Hlc;
import io.berth.proto.events.v1.TagDelete;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.berth.replicator.config.ReplicatorConfig;
import io.berth.replicator.consume.InMemorySourceLog;
import io.berth.replicator.region.InMemoryRegionClient;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The link pipeline with in-memory regions and log: order of steps, echo, retries, fencing. */
class LinkWorkerTest {
  final InMemoryRegionClient eu = new InMemoryRegionClient("eu");
  final InMemoryRegionClient us = new InMemoryRegionClient("us");
  final InMemorySourceLog log = new InMemorySourceLog();
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  Thread thread;
  final AtomicBoolean valid = new AtomicBoolean(true);

  static ReplicatorConfig.LinkSection link(String mode, ReplicatorConfig.Filters filters) {
    return new ReplicatorConfig.LinkSection("eu", "us", mode, filters, 0L, 2);
  }

  LinkState start(ReplicatorConfig.LinkSection cfg, long epoch) {
    return start(cfg, epoch, log::open);
  }

  LinkState start(
      ReplicatorConfig.LinkSection cfg,
      long epoch,
      java.util.function.Supplier<io.berth.replicator.consume.SourceLog> logs) {
    return start(cfg, epoch, logs, null);
  }

  LinkState start(
      ReplicatorConfig.LinkSection cfg,
      long epoch,
      java.util.function.Supplier<io.berth.replicator.consume.SourceLog> logs,
      io.berth.replicator.bucket.TargetBucket bucket) {
    LinkState state = new LinkState(cfg.id(), "test", metrics);
    LinkWorker w = new LinkWorker(cfg, logs, eu, us, bucket, state);
    thread =
        new Thread(
            () -> {
              try {
                w.lead(
                    new io.berth.platform.zk.LeaderElection.Term() {
                      @Override
                      public long epoch() {
                        return epoch;
                      }

                      @Override
                      public int epochVersion() {
                        return 0;
                      }

                      @Override
                      public boolean valid() {
                        return valid.get();
                      }
                    });
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            });
    thread.start();
    return state;
  }

  @AfterEach
  void stop() throws InterruptedException {
    valid.set(false);
    if (thread != null) {
      thread.interrupt();
      thread.join(10_000);
    }
  }

  long seq;

  ChangeEvent go(String origin, String module, byte[]... files) {
    ModuleVersionRecord.Builder r =
        ModuleVersionRecord.newBuilder().setModulePath(module).setVersion("v1.0.0");
    if (files.length > 0) {
      r.setModDigest(eu.put(files[0]));
    }
    if (files.length > 1) {
      r.setZipDigest(eu.put(files[1]));
    }
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion(origin)
        .setOriginNode(origin + "-1")
        .setSeq(++seq)
        .setHlc(Hlc.newBuilder().setWallMillis(System.currentTimeMillis()))
        .setKey("go:" + module + "@v1.0.0")
        .setGoVersionStored(GoVersionStored.newBuilder().setRecord(r))
        .build();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void copiesBlobsThenRepublishesThenCommitsAndNeverEchoes() {
    ChangeEvent a = go("eu", "corp.example.com/a", bytes("mod a"), bytes("zip a"));
    ChangeEvent echo = go("us", "corp.example.com/from-us");
    ChangeEvent b = go("ap", "corp.example.com/b", bytes("mod b"));
    log.events.addAll(List.of(a, echo, b));
    LinkState state = start(link("mirror", null), 7);
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 3);
    assertThat(us.log).containsExactly(a, b);
    assertThat(us.log.get(1).getOriginRegion()).as("origin kept").isEqualTo("ap");
    assertThat(us.writes).hasSize(3);
    // every blob write came before the republish that needed it
    List<String> calls = us.calls;
    assertThat(calls.indexOf("republish")).isGreaterThan(calls.lastIndexOf("writeBlob"));
    assertThat(calls.get(0)).isEqualTo("beginTerm");
    var s = state.snapshot();
    assertThat(s.get("eventsReplicated")).isEqualTo(2L);
    assertThat(s.get("eventsSkippedEcho")).isEqualTo(1L);
    assertThat(s.get("blobsCopied")).isEqualTo(3L);
    assertThat((long) s.get("bytesCopied")).isEqualTo(5 + 5 + 5);
    assertThat(s.get("epoch")).isEqualTo(7L);
    await().atMost(Duration.ofSeconds(10)).until(() -> state.secondsBehind() == 0);
  }

  ChangeEvent oci(String repo, java.util.function.Consumer<ChangeEvent.Builder> change, long wall) {
    ChangeEvent.Builder b =
        ChangeEvent.newBuilder()
            .setSchema(1)
            .setOriginRegion("eu")
            .setOriginNode("eu-1")
            .setSeq(++seq)
            .setHlc(Hlc.newBuilder().setWallMillis(wall))
            .setKey("oci:" + repo);
    change.accept(b);
    return b.build();
  }

  static io.berth.proto.index.v1.LwwStamp stamp(long wall) {
    return io.berth.proto.index.v1.LwwStamp.newBuilder()
        .setWallMillis(wall)
        .setOriginRegion("eu")
        .setOriginNode("eu-1")
        .build();
  }

  @Test
  void anEventWhoseBlobTheSourceNoLongerHasIsDeadLetteredAfterMaxAttemptsAndTheLinkMovesOn() {
    String gone = InMemoryRegionClient.digest(bytes("collected by the source's gc"));
    ChangeEvent before = go("eu", "corp.example.com/before", bytes("mod before"));
    ChangeEvent poisoned =
        oci(
            "team/app",
            b ->
                b.setBlobLinkAdded(
                    BlobLinkAdded.newBuilder()
                        .setRepository("team/app")
                        .setDigest(gone)
                        .setSize(28)
                        .setStamp(stamp(10))),
            10);
    ChangeEvent same = go("eu", "corp.example.com/same-batch", bytes("mod same"));
    ChangeEvent later = go("eu", "corp.example.com/later", bytes("mod later"));
    log.events.addAll(List.of(before, poisoned, same, later));
    LinkState state =
        start(new ReplicatorConfig.LinkSection("eu", "us", "mirror", null, 0L, 2, 3, 10), 1);
    await().atMost(Duration.ofSeconds(30)).until(() -> log.committed() == 4);
    assertThat(us.log).containsExactly(before, same, later);
    assertThat(us.has(gone)).isFalse();
    DeadLetters dead = state.deadLetters();
    assertThat(dead.count()).isEqualTo(1);
    DeadLetters.Entry e = dead.entries().get(0);
    assertThat(e.seq()).isEqualTo(poisoned.getSeq());
    assertThat(e.change()).isEqualTo("BLOB_LINK_ADDED");
    assertThat(e.reason()).contains(gone);
    assertThat((long) ((java.util.Map<?, ?>) state.snapshot().get("deadLetters")).get("count"))
        .isEqualTo(1L);
    assertThat(metrics.get("berth_link_dead_letters").counter().count()).isEqualTo(1.0);
    assertThat(state.snapshot().get("eventsReplicated")).isEqualTo(3L);
  }

  @Test
  void aTargetOutageDuringABatchIsWaitedForAndNeverDeadLettered() {
    LinkState state =
        start(new ReplicatorConfig.LinkSection("eu", "us", "mirror", null, 0L, 2, 1, 10), 1);
    await().atMost(Duration.ofSeconds(20)).until(() -> us.calls.contains("beginTerm"));
    us.down = true;
    ChangeEvent a = go("eu", "corp.example.com/a", bytes("mod a"));
    log.events.add(a);
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                ((java.util.Map<?, ?>) state.snapshot().get("failures"))
                        .values().stream().mapToLong(v -> (Long) v).sum()
                    >= 3);
    assertThat(state.deadLetters().count()).isZero();
    assertThat(log.committed()).isZero();
    us.down = false;
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 1);
    assertThat(us.log).containsExactly(a);
    assertThat(state.deadLetters().count()).isZero();
  }

  @Test
  void aManifestThatALaterEventOfTheBatchDeletesIsNotCopiedOnlyTheDeleteIsCarried() {
    String m = InMemoryRegionClient.digest(bytes("manifest collected in the source"));
    ChangeEvent put =
        oci(
            "team/gone",
            b ->
                b.setManifestPut(
                    io.berth.proto.events.v1.ManifestPut.newBuilder()
                        .setRepository("team/gone")
                        .setDigest(m)
                        .setStamp(stamp(100))),
            100);
    ChangeEvent ownLink =
        oci(
            "team/gone",
            b ->
                b.setBlobLinkAdded(
                    BlobLinkAdded.newBuilder()
                        .setRepository("team/gone")
                        .setDigest(m)
                        .setStamp(stamp(100))),
            100);
    ChangeEvent del =
        oci(
            "team/gone",
            b ->
                b.setManifestDelete(
                    io.berth.proto.events.v1.ManifestDelete.newBuilder()
                        .setRepository("team/gone")
                        .setDigest(m)
                        .setStamp(stamp(200))),
            200);
    log.events.addAll(List.of(put, ownLink, del));
    LinkState state =
        start(new ReplicatorConfig.LinkSection("eu", "us", "mirror", null, 0L, 2, 1, 10), 1);
    // the worker counts a batch right after committing it: wait for both, not only the commit
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                log.committed() == 3
                    && Long.valueOf(1).equals(state.snapshot().get("eventsSkippedSuperseded")));
    assertThat(us.log)
        .as("the put is not carried; its link (no unlink in this batch) still fails alone")
        .containsExactly(del);
    assertThat(state.snapshot().get("eventsSkippedSuperseded")).isEqualTo(1L);
    assertThat(state.deadLetters().count()).as("the orphan link event").isEqualTo(1);
  }

  @Test
  void aTargetOutageIsRetriedAndNothingIsCommittedMeanwhile() {
    us.down = true;
    ChangeEvent a = go("eu", "corp.example.com/a", bytes("mod a"));
    log.events.add(a);
    LinkState state = start(link("mirror", null), 1);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                ((java.util.Map<?, ?>) state.snapshot().get("failures")).size() > 0
                    && state.snapshot().get("phase").equals("retrying"));
    assertThat(log.committed()).isZero();
    assertThat(us.log).isEmpty();
    us.down = false;
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 1);
    assertThat(us.log).containsExactly(a);
  }

  @Test
  void whileTheTargetIsDownItIsAskedAgainAtLeastOnceASecond() {
    us.down = true;
    log.events.add(go("eu", "corp.example.com/a", bytes("mod a")));
    start(link("mirror", null), 1);
    // backoff 100, 200, 400, 800 ms, then capped at 1 s (other failures: 5 s); the 8th call comes
    // about 5.5 s in (with the 5 s cap it would be 20 s)
    await().atMost(Duration.ofSeconds(12)).until(() -> us.calls.size() >= 8);
    List<Long> at = List.copyOf(us.callNanos);
    for (int i = 1; i < 8; i++) {
      assertThat((at.get(i) - at.get(i - 1)) / 1_000_000)
          .as("ms between call %d and %d to the unavailable target", i, i + 1)
          .isLessThan(1_500);
    }
  }

  @Test
  void aSourceReadThatBreaksResumesAtItsOffset() {
    byte[] big = new byte[300_000];
    new java.util.Random(3).nextBytes(big);
    ChangeEvent a = go("eu", "corp.example.com/big", bytes("mod"), big);
    eu.breakReadsAfter(100_000, 2);
    log.events.add(a);
    LinkState state = start(link("mirror", null), 1);
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 1);
    assertThat(us.has(a.getGoVersionStored().getRecord().getZipDigest())).isTrue();
    assertThat((long) state.snapshot().get("bytesCopied"))
        .as("resumed, not restarted")
        .isEqualTo(big.length + 3);
  }

  @Test
  void aStaleFenceEndsTheTerm() throws Exception {
    us.beginTerm(new io.berth.replicator.region.Fence("eu->us", 50));
    log.events.add(go("eu", "corp.example.com/a", bytes("mod a")));
    start(link("mirror", null), 10);
    thread.join(20_000);
    assertThat(thread.isAlive()).as("the stale owner gave up").isFalse();
    assertThat(us.log).isEmpty();
    assertThat(log.committed()).isZero();
  }

  @Test
  void aFilteredLinkCarriesOnlyMatchingChangesAndNoDeletes() {
    ChangeEvent keep = go("eu", "corp.example.com/team/app", bytes("m1"));
    ChangeEvent drop = go("eu", "corp.example.com/other", bytes("m2"));
    ChangeEvent del =
        ChangeEvent.newBuilder()
            .setOriginRegion("eu")
            .setOriginNode("eu-1")
            .setSeq(++seq)
            .setKey("oci:r:t")
            .setTagDelete(TagDelete.newBuilder().setRepository("team/r").setTag("t"))
            .build();
    log.events.addAll(List.of(keep, drop, del));
    LinkState state =
        start(
            link(
                "filtered",
                new ReplicatorConfig.Filters(
                    List.of("corp.example.com/team"), List.of("team"), null)),
            1);
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 3);
    assertThat(us.log).containsExactly(keep);
    assertThat(state.snapshot().get("eventsSkippedFiltered")).isEqualTo(2L);
  }

  /**
   * A client library that caught an interrupt sets the flag again (Kafka's consumer does on an
   * interrupted poll). While the term still holds, that leftover must not end the term: before, the
   * owner gave the link up after that poll, took it again, and looped without ever replicating the
   * first event.
   */
  @Test
  void aStrayInterruptWhileTheTermHoldsDoesNotEndItAndTheFirstEventCrosses() throws Exception {
    ChangeEvent a = go("eu", "corp.example.com/a", bytes("mod a"));
    log.events.add(a);
    java.util.concurrent.atomic.AtomicInteger strays =
        new java.util.concurrent.atomic.AtomicInteger();
    LinkState state =
        start(
            link("mirror", null),
            3,
            () -> {
              io.berth.replicator.consume.SourceLog real = log.open();
              return new io.berth.replicator.consume.SourceLog() {
                @Override
                public List<ChangeEvent> poll(Duration timeout) {
                  if (strays.getAndIncrement() < 3) {
                    Thread.currentThread().interrupt();
                    return List.of();
                  }
                  return real.poll(timeout);
                }

                @Override
                public void commit() {
                  real.commit();
                }

                @Override
                public void rewind() {
                  real.rewind();
                }

                @Override
                public long behind() {
                  return real.behind();
                }

                @Override
                public void close() {
                  real.close();
                }
              };
            });
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 1);
    assertThat(us.log).containsExactly(a);
    assertThat(thread.isAlive()).as("the term goes on").isTrue();
    assertThat(us.calls.stream().filter("beginTerm"::equals).count())
        .as("one term, announced once")
        .isEqualTo(1);
    assertThat(((java.util.Map<?, ?>) state.snapshot().get("failures")).get("interrupt"))
        .isEqualTo(3L);
  }

  /**
   * With the target's bucket, a link whose target nodes are down keeps copying: blobs go straight
   * into the bucket, events are read ahead without a commit, and once a node answers they are all
   * handed over in their order, then committed.
   */
  @Test
  void whileTheTargetsNodesAreDownBlobsGoIntoItsBucketAndTheEventsFollowInOrderOnceTheyAnswer() {
    LinkState state = start(link("mirror", null), 1, log::open, us.bucket());
    await().atMost(Duration.ofSeconds(20)).until(() -> us.calls.contains("beginTerm"));
    us.down = true;
    List<ChangeEvent> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      sent.add(go("eu", "corp.example.com/m" + i, bytes("mod " + i), bytes("zip " + i)));
    }
    log.events.addAll(sent);
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () -> us.bucketWrites.size() == 16 && state.snapshot().get("eventsAhead").equals(8L));
    assertThat(log.committed()).as("nothing committed while the events wait").isZero();
    assertThat(us.log).isEmpty();
    assertThat(us.writes).as("no blob went through the (down) nodes").isEmpty();
    for (ChangeEvent e : sent) {
      for (String d : io.berth.common.ChangeEvents.requiredBlobs(e)) {
        assertThat(us.has(d)).as("%s in the bucket", d).isTrue();
      }
    }
    us.down = false;
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 8);
    assertThat(us.log).as("handed over once each, in order").containsExactlyElementsOf(sent);
    assertThat(us.writes).as("nothing copied twice").isEmpty();
    // ADR 0024: the hand-over states the blobs this owner wrote into the bucket, with their sizes,
    // so the node need not look each one up
    assertThat(us.statedWrites)
        .extracting(io.berth.replicator.region.RegionClient.BucketWrite::digest)
        .containsExactlyInAnyOrderElementsOf(us.bucketWrites);
    for (var w : us.statedWrites) {
      assertThat(w.size()).isEqualTo(us.blobSize(w.digest()));
      assertThat(w.writtenMillis())
          .isBetween(System.currentTimeMillis() - 60_000, System.currentTimeMillis());
    }
    assertThat(state.snapshot().get("eventsAhead")).isEqualTo(0L);
    assertThat(state.snapshot().get("eventsReplicated")).isEqualTo(8L);
    // and the link is back on the usual path: a new event goes through the nodes
    ChangeEvent later = go("eu", "corp.example.com/later", bytes("mod later"));
    log.events.add(later);
    await().atMost(Duration.ofSeconds(20)).until(() -> log.committed() == 9);
    assertThat(us.writes).hasSize(1);
    assertThat(us.log).endsWith(later);
    assertThat(us.statedWrites).as("a copy through the nodes states nothing").hasSize(16);
  }

  /**
   * Reading ahead is only a head start: when copying into the bucket fails too, the link drops what
   * it read ahead, reads again from the last commit, and still carries everything exactly once, in
   * order, when the region returns.
   */
  @Test
  void whenTheBucketFailsTooTheLinkRereadsFromTheLastCommitAndLosesNothing() {
    LinkState state = start(link("mirror", null), 1, log::open, us.bucket());
    await().atMost(Duration.ofSeconds(20)).until(() -> us.calls.contains("beginTerm"));
    us.down = true;
    us.bucketDown = true;
    List<ChangeEvent> sent = new java.util.ArrayList<>();
    for (int i = 0; i < 5; i++) {
      sent.add(go("eu", "corp.example.com/r" + i, bytes("mod r" + i)));
    }
    log.events.addAll(sent);
    await().atMost(Duration.ofSeconds(20)).until(() -> log.rewinds.get() >= 2);
    assertThat(log.committed()).isZero();
    assertThat(us.bucketWrites).isEmpty();
    us.bucketDown = false;
    us.down = false;
    await().atMost(Duration.ofSeconds(30)).until(() -> log.committed() == 5);
    assertThat(us.log).containsExactlyElementsOf(sent);
    assertThat(state.deadLetters().count()).isZero();
  }
}
