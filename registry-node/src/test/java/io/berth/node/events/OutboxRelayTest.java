package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutboxRelayTest {
  @TempDir Path dir;
  RocksIndexStore store;
  RocksChangeLog changes;
  RocksModuleIndex modules;
  final SimpleMeterRegistry metrics = new SimpleMeterRegistry();

  @BeforeEach
  void open() {
    store = new RocksIndexStore(dir);
    changes = new RocksChangeLog(store, "a", "eu", 60_000);
    modules = new RocksModuleIndex(store, changes);
    changes.attach(modules, new RocksSumdbIndex(store, changes));
  }

  @AfterEach
  void close() {
    store.close();
  }

  void write(int from, int to) {
    for (int i = from; i < to; i++) {
      modules.merge(
          ModuleVersionRecord.newBuilder()
              .setModulePath("example.com/m")
              .setVersion("v1.0." + i)
              .setZipDigest("sha256:0" + i)
              .build());
    }
  }

  double backlog() {
    return metrics.get("berth_outbox_backlog").gauge().value();
  }

  @Test
  void whileTheLogIsDownWritesSucceedTheBacklogIsExportedAndDrainsInOrderAfterwards() {
    InMemoryChangePublisher kafka = new InMemoryChangePublisher();
    kafka.down(true);
    try (OutboxRelay relay = new OutboxRelay(changes, kafka, 0, metrics).start()) {
      write(0, 20);
      assertThat(changes.lastSeq()).isEqualTo(20);
      assertThat(backlog()).isEqualTo(20);
      assertThat(kafka.log()).isEmpty();
      kafka.down(false);
      await().atMost(Duration.ofSeconds(30)).until(() -> backlog() == 0);
      write(20, 25);
      await().atMost(Duration.ofSeconds(30)).until(() -> kafka.log().size() == 25);
      assertThat(kafka.log())
          .extracting(ChangeEvent::getSeq)
          .containsExactlyElementsOf(LongStream.rangeClosed(1, 25).boxed().toList());
      assertThat(changes.publishedSeq()).isEqualTo(25);
      assertThat(metrics.get("berth_outbox_publish_failures").counter().count()).isPositive();
    }
  }

  @Test
  void eventsAcknowledgedBeforeAFailureAreNotSentAgain() {
    write(0, 5);
    InMemoryChangePublisher kafka = new InMemoryChangePublisher();
    kafka.acceptThenFail(2);
    try (OutboxRelay relay = new OutboxRelay(changes, kafka, 0, metrics).start()) {
      await().atMost(Duration.ofSeconds(30)).until(() -> changes.publishedSeq() == 5);
      assertThat(kafka.log()).extracting(ChangeEvent::getSeq).containsExactly(1L, 2L, 3L, 4L, 5L);
    }
  }
}
