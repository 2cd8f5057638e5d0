package io.berth.node.index.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Hlc;
import io.berth.common.ModulePath;
import io.berth.node.index.ChangeLog;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.index.v1.ChangeConflictRecord;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksChangeLogTest {
  @TempDir Path dir;

  private static ModuleVersionRecord rec(String v, String zip) {
    return ModuleVersionRecord.newBuilder()
        .setModulePath("example.com/m")
        .setVersion(v)
        .setZipDigest(zip)
        .build();
  }

  @Test
  void everyMutationWritesOneEventInOrderAndItSurvivesReopen() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      log.attach(idx, new RocksSumdbIndex(store, log));
      idx.merge(rec("v1.0.0", "sha256:01"));
      idx.merge(rec("v1.0.0", "sha256:01")); // no change, no event
      idx.merge(rec("v1.1.0", "sha256:02"));
      assertThat(log.lastSeq()).isEqualTo(2);
      List<ChangeEvent> events = log.readAfter(0, 10);
      assertThat(events).extracting(ChangeEvent::getSeq).containsExactly(1L, 2L);
      assertThat(events.get(0).getKey()).isEqualTo("go:example.com/m@v1.0.0");
      assertThat(events.get(1).getHlc().getWallMillis())
          .isGreaterThanOrEqualTo(events.get(0).getHlc().getWallMillis());
      log.markPublished(1);
    }
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      assertThat(log.lastSeq()).isEqualTo(2);
      assertThat(log.publishedSeq()).isEqualTo(1);
      assertThat(log.readAfter(1, 10)).extracting(ChangeEvent::getSeq).containsExactly(2L);
      assertThat(log.clock().now().wallMillis()).isGreaterThan(0);
    }
  }

  @Test
  void applyIsIdempotentSkipsOwnEventsAndRecordsConflicts() {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    List<ChangeEvent> fromA;
    try (RocksIndexStore store = new RocksIndexStore(a)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      log.attach(idx, new RocksSumdbIndex(store, log));
      idx.merge(rec("v1.0.0", "sha256:01"));
      idx.merge(rec("v2.0.0+incompatible", "sha256:aa"));
      fromA = log.readAfter(0, 10);
      assertThat(log.apply(fromA.get(0))).isEqualTo(ChangeLog.ApplyResult.OWN);
    }
    try (RocksIndexStore store = new RocksIndexStore(b)) {
      RocksChangeLog log = new RocksChangeLog(store, "b", "eu", 60_000);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      log.attach(idx, new RocksSumdbIndex(store, log));
      idx.merge(rec("v2.0.0+incompatible", "sha256:bb"));
      assertThat(log.apply(fromA.get(0))).isEqualTo(ChangeLog.ApplyResult.APPLIED);
      assertThat(log.apply(fromA.get(0))).isEqualTo(ChangeLog.ApplyResult.DUPLICATE);
      assertThat(log.apply(fromA.get(1))).isEqualTo(ChangeLog.ApplyResult.CONFLICT);
      assertThat(log.conflicts()).isEqualTo(1);
      assertThat(log.recentConflicts()).hasSize(1);
      ModulePath m = ModulePath.of("example.com/m");
      assertThat(idx.get(m, "v1.0.0").orElseThrow().getZipDigest()).isEqualTo("sha256:01");
      assertThat(idx.get(m, "v2.0.0+incompatible").orElseThrow().getZipDigest())
          .as("the first version wins")
          .isEqualTo("sha256:bb");
      assertThat(log.lastSeq()).as("applying remote events writes no local events").isEqualTo(1);
      assertThat(log.clock().now())
          .isGreaterThan(
              new io.berth.common.Hlc(
                  fromA.get(1).getHlc().getWallMillis(), fromA.get(1).getHlc().getLogical()));
    }
  }

  static List<ChangeLog.ApplyResult> applyAll(ChangeLog log, List<ChangeEvent> events) {
    List<ChangeLog.ApplyResult> out = new java.util.ArrayList<>();
    log.applyAll(events, (e, r) -> out.add(r));
    return out;
  }

  @Test
  void aBatchAppliesLikeSingleEventsAndIsDurableWhenApplyAllReturns() {
    Path a = dir.resolve("a");
    Path b = dir.resolve("b");
    List<ChangeEvent> fromA;
    try (RocksIndexStore store = new RocksIndexStore(a)) {
      RocksChangeLog log = open(store, "a");
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      idx.merge(rec("v1.0.0", "sha256:01"));
      idx.merge(rec("v2.0.0+incompatible", "sha256:aa"));
      idx.merge(rec("v3.0.0+incompatible", "sha256:03"));
      fromA = log.readAfter(0, 10);
      assertThat(applyAll(log, fromA)).containsOnly(ChangeLog.ApplyResult.OWN);
    }
    ModulePath m = ModulePath.of("example.com/m");
    try (RocksIndexStore store = new RocksIndexStore(b)) {
      RocksChangeLog log = open(store, "b");
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      idx.merge(rec("v2.0.0+incompatible", "sha256:bb"));
      List<ChangeEvent> batch = List.of(fromA.get(0), fromA.get(1), fromA.get(0), fromA.get(2));
      assertThat(applyAll(log, batch))
          .containsExactly(
              ChangeLog.ApplyResult.APPLIED,
              ChangeLog.ApplyResult.CONFLICT,
              ChangeLog.ApplyResult.DUPLICATE,
              ChangeLog.ApplyResult.APPLIED);
      assertThat(log.conflicts()).isEqualTo(1);
    }
    try (RocksIndexStore store = new RocksIndexStore(b)) {
      RocksChangeLog log = open(store, "b");
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      assertThat(idx.get(m, "v1.0.0").orElseThrow().getZipDigest()).isEqualTo("sha256:01");
      assertThat(idx.get(m, "v3.0.0+incompatible").orElseThrow().getZipDigest())
          .isEqualTo("sha256:03");
      assertThat(idx.get(m, "v2.0.0+incompatible").orElseThrow().getZipDigest())
          .as("the first version wins")
          .isEqualTo("sha256:bb");
      assertThat(applyAll(log, fromA))
          .as("after reopening, the batch is held: applied marks were made durable with it")
          .containsExactly(
              ChangeLog.ApplyResult.DUPLICATE,
              ChangeLog.ApplyResult.DUPLICATE,
              ChangeLog.ApplyResult.DUPLICATE);
    }
  }

  @Test
  void trimRemovesOnlyPublishedOldEvents() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      log.attach(idx, new RocksSumdbIndex(store, log));
      idx.merge(rec("v1.0.0", "sha256:01"));
      idx.merge(rec("v1.1.0", "sha256:02"));
      idx.merge(rec("v1.2.0", "sha256:03"));
      log.markPublished(2);
      assertThat(log.trimPublished(Long.MAX_VALUE)).isEqualTo(2);
      assertThat(log.readAfter(0, 10)).extracting(ChangeEvent::getSeq).containsExactly(3L);
    }
  }

  private static RocksChangeLog open(RocksIndexStore store, String node) {
    RocksChangeLog log = new RocksChangeLog(store, node, "eu", 60_000);
    RocksModuleIndex idx = new RocksModuleIndex(store, log);
    log.attach(idx, new RocksSumdbIndex(store, log));
    return log;
  }

  private static ChangeEvent remote(String node, String incarnation, long seq, Hlc hlc, String v) {
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion("eu")
        .setOriginNode(node)
        .setOriginIncarnation(incarnation)
        .setSeq(seq)
        .setHlc(RocksChangeLog.proto(hlc))
        .setKey("go:example.com/m@" + v)
        .setGoVersionStored(GoVersionStored.newBuilder().setRecord(rec(v, "sha256:" + seq)))
        .build();
  }

  @Test
  void theClockSurvivesRestartIncludingReadingsObservedFromOtherNodes() {
    // ahead of this node's clock, but within the skew bound (60 s), so merged exactly; readings
    // beyond the bound are clamped (HybridClockTest)
    Hlc farAhead = new Hlc(System.currentTimeMillis() + 30_000, 5);
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = open(store, "a");
      assertThat(log.apply(remote("b", "ib", 1, farAhead, "v1.0.0")))
          .isEqualTo(ChangeLog.ApplyResult.APPLIED);
      assertThat(log.skewedClockReadings()).isZero();
    }
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = open(store, "a");
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      idx.merge(rec("v2.0.0", "sha256:02"));
      ChangeEvent mine = log.readAfter(0, 10).get(0);
      assertThat(new Hlc(mine.getHlc().getWallMillis(), mine.getHlc().getLogical()))
          .as("a write after restart orders after everything seen before it")
          .isGreaterThan(farAhead);
    }
  }

  @Test
  void aNodeRebuiltUnderTheSameIdIsANewIncarnationAndReplaysItsOldEvents() {
    List<ChangeEvent> old;
    String firstIncarnation;
    try (RocksIndexStore store = new RocksIndexStore(dir.resolve("first"))) {
      RocksChangeLog log = open(store, "a");
      new RocksModuleIndex(store, log).merge(rec("v1.0.0", "sha256:01"));
      old = log.readAfter(0, 10);
      firstIncarnation = log.incarnation();
      assertThat(old.get(0).getOriginIncarnation()).isEqualTo(firstIncarnation);
      assertThat(log.apply(old.get(0))).isEqualTo(ChangeLog.ApplyResult.OWN);
    }
    try (RocksIndexStore store = new RocksIndexStore(dir.resolve("rebuilt"))) {
      RocksChangeLog log = open(store, "a");
      assertThat(log.incarnation()).isNotEqualTo(firstIncarnation).hasSize(16);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      idx.merge(rec("v1.1.0", "sha256:02"));
      ChangeEvent fresh = log.readAfter(0, 10).get(0);
      assertThat(fresh.getSeq()).as("the sequence restarts").isEqualTo(old.get(0).getSeq());
      assertThat(log.apply(old.get(0)))
          .as("its former life's events are applied like any other node's")
          .isEqualTo(ChangeLog.ApplyResult.APPLIED);
      assertThat(log.apply(fresh)).isEqualTo(ChangeLog.ApplyResult.OWN);
      assertThat(idx.get(ModulePath.of("example.com/m"), "v1.0.0")).isPresent();
    }
    try (RocksIndexStore store = new RocksIndexStore(dir.resolve("first"))) {
      assertThat(open(store, "a").incarnation())
          .as("the incarnation is persisted")
          .isEqualTo(firstIncarnation);
    }
  }

  @Test
  void conflictsAreDurableWithTheirDetailsAndNotAppliedTwice() {
    ChangeEvent theirs = remote("b", "ib", 7, new Hlc(1000, 0), "v1.0.0");
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = open(store, "a");
      new RocksModuleIndex(store, log).merge(rec("v1.0.0", "sha256:mine"));
      assertThat(log.apply(theirs)).isEqualTo(ChangeLog.ApplyResult.CONFLICT);
      assertThat(log.apply(theirs)).isEqualTo(ChangeLog.ApplyResult.DUPLICATE);
      assertThat(log.conflicts()).isEqualTo(1);
    }
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = open(store, "a");
      assertThat(log.conflicts()).as("counted again after restart").isEqualTo(1);
      List<ChangeConflictRecord> list = log.conflictRecords(10);
      assertThat(list).hasSize(1);
      ChangeConflictRecord c = list.get(0);
      assertThat(c.getKey()).isEqualTo("go:example.com/m@v1.0.0");
      assertThat(c.getOriginNode()).isEqualTo("b");
      assertThat(c.getOriginIncarnation()).isEqualTo("ib");
      assertThat(c.getSeq()).isEqualTo(7);
      assertThat(c.getField()).isEqualTo("zip_digest");
      assertThat(c.getLocalValue()).isEqualTo("sha256:mine");
      assertThat(c.getRemoteValue()).isEqualTo("sha256:7");
      assertThat(log.recentConflicts()).singleElement().asString().contains("sha256:mine");
      assertThat(
              new RocksModuleIndex(store, log)
                  .get(ModulePath.of("example.com/m"), "v1.0.0")
                  .orElseThrow()
                  .getZipDigest())
          .isEqualTo("sha256:mine");
    }
  }

  @Test
  void trimAllRemovesOldEventsWhetherPublishedOrNot() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = open(store, "a");
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      idx.merge(rec("v1.0.0", "sha256:01"));
      idx.merge(rec("v1.1.0", "sha256:02"));
      assertThat(log.trimAll(0)).as("nothing is older than the epoch").isZero();
      assertThat(log.trimPublished(Long.MAX_VALUE)).as("nothing is published").isZero();
      assertThat(log.trimAll(Long.MAX_VALUE)).isEqualTo(2);
      assertThat(log.readAfter(0, 10)).isEmpty();
      assertThat(log.lastSeq()).as("the sequence never goes back").isEqualTo(2);
    }
  }

  @Test
  void theBenchmarkSwitchWritesTheIndexButNoEvents() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = open(store, "a");
      log.skipOutboxForBenchmarks();
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      idx.merge(rec("v1.0.0", "sha256:01"));
      assertThat(idx.get(ModulePath.of("example.com/m"), "v1.0.0")).isPresent();
      assertThat(log.readAfter(0, 10)).isEmpty();
      assertThat(log.lastSeq()).isZero();
    }
  }

  @Test
  void marksTheNewestChangeOfEachArtifactAndKnowsWhatItHolds() {
    Path a = dir.resolve("ma");
    Path b = dir.resolve("mb");
    List<ChangeEvent> fromA;
    try (RocksIndexStore store = new RocksIndexStore(a)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      log.attach(idx, new RocksSumdbIndex(store, log));
      assertThat(log.lastChange("go:example.com/m@v1.0.0")).isEmpty();
      idx.merge(rec("v1.0.0", "sha256:01"));
      fromA = log.readAfter(0, 10);
      var mark = log.lastChange("go:example.com/m@v1.0.0").orElseThrow();
      assertThat(mark.getOriginRegion()).isEqualTo("eu");
      assertThat(mark.getOriginNode()).isEqualTo("a");
      assertThat(mark.getChange()).isEqualTo("GO_VERSION_STORED");
      assertThat(mark.getDeleted()).isFalse();
      assertThat(mark.getFirstLocalUnixMillis()).isPositive();
      assertThat(log.holds(fromA.get(0))).as("its own event").isTrue();
      assertThat(log.holds(fromA.get(0).toBuilder().setSeq(99).build()))
          .as("a sequence it never wrote")
          .isFalse();
    }
    try (RocksIndexStore store = new RocksIndexStore(b)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "us", 60_000);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      log.attach(idx, new RocksSumdbIndex(store, log));
      ChangeEvent remote = fromA.get(0);
      assertThat(log.holds(remote)).as("same node id, other region: not its own").isFalse();
      assertThat(log.apply(remote)).isEqualTo(ChangeLog.ApplyResult.APPLIED);
      assertThat(log.holds(remote)).isTrue();
      var mark = log.lastChange(remote.getKey()).orElseThrow();
      assertThat(mark.getOriginRegion()).as("the origin region is kept").isEqualTo("eu");
      assertThat(mark.getSeq()).isEqualTo(remote.getSeq());
    }
  }

  @Test
  void anEarlierIncarnationOfThisNodeIsHeldOnlyOnceApplied() {
    ChangeEvent former = remote("a", "old-life", 1, new Hlc(1000, 0), "v9.0.0");
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = open(store, "a");
      new RocksModuleIndex(store, log).merge(rec("v1.0.0", "sha256:01"));
      assertThat(log.lastSeq()).isEqualTo(1);
      assertThat(log.holds(former))
          .as("same id and sequence, another incarnation: not held")
          .isFalse();
      assertThat(log.apply(former)).isEqualTo(ChangeLog.ApplyResult.APPLIED);
      assertThat(log.holds(former)).isTrue();
    }
  }
}
