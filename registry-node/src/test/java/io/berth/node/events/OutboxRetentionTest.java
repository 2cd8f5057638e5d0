package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxRetentionTest {
  @TempDir Path dir;

  private static final Clock IN_A_YEAR =
      Clock.fixed(Instant.now().plus(Duration.ofDays(365)), ZoneOffset.UTC);

  private static void write(RocksIndexStore store, RocksChangeLog log, int n) {
    RocksModuleIndex idx = new RocksModuleIndex(store, log);
    log.attach(idx, new RocksSumdbIndex(store, log));
    for (int i = 0; i < n; i++) {
      idx.merge(
          ModuleVersionRecord.newBuilder()
              .setModulePath("example.com/m")
              .setVersion("v1.0." + i)
              .setZipDigest("sha256:0" + i)
              .build());
    }
  }

  @Test
  void withoutARegionLogTheOutboxIsACompleteLocalLogByDefault() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      write(store, log, 5);
      OutboxRetention keepForever =
          new OutboxRetention(log, false, Duration.ofHours(1), Duration.ZERO, IN_A_YEAR);
      assertThat(keepForever.trim()).isZero();
      assertThat(log.readAfter(0, 100)).hasSize(5);
    }
  }

  @Test
  void withoutARegionLogALocalRetentionTrimsOldEvents() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      write(store, log, 3);
      Clock now = Clock.systemUTC();
      assertThat(new OutboxRetention(log, false, Duration.ZERO, Duration.ofHours(1), now).trim())
          .as("younger than the retention")
          .isZero();
      assertThat(
              new OutboxRetention(log, false, Duration.ZERO, Duration.ofHours(1), IN_A_YEAR).trim())
          .isEqualTo(3);
      assertThat(log.readAfter(0, 100)).isEmpty();
    }
  }

  @Test
  void withARegionLogOnlyPublishedEventsAreTrimmedHoweverOld() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksChangeLog log = new RocksChangeLog(store, "a", "eu", 60_000);
      write(store, log, 4);
      log.markPublished(1);
      OutboxRetention r =
          new OutboxRetention(log, true, Duration.ofHours(1), Duration.ofHours(1), IN_A_YEAR);
      assertThat(r.trim()).isEqualTo(1);
      assertThat(log.readAfter(0, 100)).hasSize(3);
      assertThat(log.readAfter(0, 100).get(0).getSeq()).isEqualTo(2);
    }
  }
}
