package io.berth.node.index.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.node.index.ChangeLog;
import io.berth.proto.events.v1.ChangeEvent;
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
}
