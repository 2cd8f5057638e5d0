package io.berth.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.berth.common.ModulePath;
import io.berth.node.events.ChangePublisher;
import io.berth.node.events.ChangePublisherContract;
import io.berth.node.events.DelegatingChangeLog;
import io.berth.node.events.InMemoryChangePublisher;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.IndexException;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.proto.events.v1.ChangeEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PublishThenApply} over a region log in memory and a real RocksDB change log: it keeps the
 * publisher contract of the log it wraps, and the node holds a batch exactly when the log accepted
 * all of it.
 */
class PublishThenApplyTest extends ChangePublisherContract {
  @TempDir Path dir;
  private RocksIndexStore store;
  private RocksChangeLog changes;
  private RocksModuleIndex modules;
  private InMemoryChangePublisher regionLog;
  private final List<ChangeEvent> hooked = new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  protected ChangePublisher newPublisher() {
    regionLog = new InMemoryChangePublisher();
    return opened(new PublishThenApply(regionLog, index(), hooked::addAll));
  }

  @Override
  protected List<ChangeEvent> logged() {
    return regionLog.log();
  }

  @Override
  protected ChangePublisher unreachablePublisher() {
    InMemoryChangePublisher down = new InMemoryChangePublisher();
    down.down(true);
    return opened(new PublishThenApply(down, index(), hooked::addAll));
  }

  /** Publishers and stores are closed in that order: no apply runs on a closed RocksDB. */
  private final List<PublishThenApply> publishers = new ArrayList<>();

  private final List<RocksIndexStore> stores = new ArrayList<>();

  private PublishThenApply opened(PublishThenApply p) {
    publishers.add(p);
    return p;
  }

  private ChangeLog index() {
    store = new RocksIndexStore(dir.resolve("index-" + System.nanoTime()));
    changes = new RocksChangeLog(store, "this-node", "us", 60_000);
    modules = new RocksModuleIndex(store, changes);
    changes.attach(modules, new RocksSumdbIndex(store, changes));
    stores.add(store);
    return changes;
  }

  @AfterEach
  void closeStores() {
    publishers.forEach(PublishThenApply::close);
    stores.forEach(RocksIndexStore::close);
  }

  @Test
  void aPublishedBatchIsHeldHereSoonAfterAndTheApplierLaterSkipsIt() throws Exception {
    ChangePublisher p = newPublisher();
    List<ChangeEvent> batch = events(1, 3); // three modules: each event changes the index
    p.publish(batch);
    assertThat(logged()).containsExactlyElementsOf(batch);
    await().atMost(Duration.ofSeconds(10)).until(() -> hooked.size() == 3);
    for (ChangeEvent e : batch) {
      assertThat(changes.holds(e)).as("seq " + e.getSeq()).isTrue();
      assertThat(
              modules.get(
                  ModulePath.of(e.getGoVersionStored().getRecord().getModulePath()), "v1.0.0"))
          .contains(e.getGoVersionStored().getRecord());
      assertThat(changes.apply(e))
          .as("the same event read back from the log changes nothing")
          .isEqualTo(ChangeLog.ApplyResult.DUPLICATE);
    }
    assertThat(hooked).as("the after-apply hook heard each applied event").isEqualTo(batch);
  }

  @Test
  void eventsHeldAlreadyAreNotToldToTheHookAgain() throws Exception {
    ChangePublisher p = newPublisher();
    List<ChangeEvent> batch = events(1, 3);
    p.publish(batch.subList(0, 2));
    await().atMost(Duration.ofSeconds(10)).until(() -> hooked.size() == 2);
    hooked.clear();
    p.publish(batch);
    p.close(); // waits for the queued apply
    assertThat(hooked).containsExactly(batch.get(2));
  }

  @Test
  void aBatchTheLogRefusedIsNotApplied() throws Exception {
    ChangePublisher p = unreachablePublisher();
    List<ChangeEvent> batch = events(1, 3);
    assertThatThrownBy(() -> p.publish(batch)).isInstanceOf(ChangePublisher.PublishException.class);
    for (ChangeEvent e : batch) {
      assertThat(changes.holds(e)).isFalse();
    }
    assertThat(hooked).isEmpty();
  }

  @Test
  void aBatchTheLogAcceptedOnlyInPartIsNotAppliedSoARetryRepublishesItAll() throws Exception {
    ChangePublisher p = newPublisher();
    regionLog.acceptThenFail(2);
    List<ChangeEvent> batch = events(1, 4);
    assertThatThrownBy(() -> p.publish(batch))
        .isInstanceOfSatisfying(
            ChangePublisher.PublishException.class, e -> assertThat(e.acknowledged()).isEqualTo(2));
    for (ChangeEvent e : batch) {
      assertThat(changes.holds(e)).as("seq " + e.getSeq()).isFalse();
    }
  }

  @Test
  void anIndexFailureHereDoesNotFailAPublishTheLogAccepted() throws Exception {
    regionLog = new InMemoryChangePublisher();
    ChangeLog failing =
        new DelegatingChangeLog(index()) {
          @Override
          public ApplyResult apply(ChangeEvent event) {
            throw new IndexException(
                "cannot write the index", new IOException("No space left on device"));
          }
        };
    ChangePublisher p = opened(new PublishThenApply(regionLog, failing, hooked::addAll));
    List<ChangeEvent> batch = events(1, 2);
    p.publish(batch);
    p.close(); // waits for the queued apply
    assertThat(regionLog.log()).containsExactlyElementsOf(batch);
    assertThat(changes.holds(batch.get(0))).isFalse();
    assertThat(hooked).isEmpty();
  }
}
