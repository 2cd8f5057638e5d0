package io.berth.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ChangeEvents;
import io.berth.common.ModulePath;
import io.berth.node.events.ChangePublisher;
import io.berth.node.events.ChangePublisherContract;
import io.berth.node.events.DelegatingChangeLog;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.IndexException;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.proto.events.v1.ChangeEvent;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalApplyPublisher} keeps the publisher contract over a real RocksDB change log: its
 * "log" is this node's index, so an event is in it once {@link ChangeLog#apply} accepted it, and an
 * index that cannot write (an injected disk error) is a log that cannot accept the batch.
 */
class LocalApplyPublisherTest extends ChangePublisherContract {
  @TempDir Path dir;
  private RocksIndexStore store;
  private RocksChangeLog changes;
  private RocksModuleIndex modules;
  private final List<ChangeEvent> applied = new ArrayList<>();

  @Override
  protected ChangePublisher newPublisher() {
    return new LocalApplyPublisher(recording(index(), Integer.MAX_VALUE));
  }

  @Override
  protected List<ChangeEvent> logged() {
    return List.copyOf(applied);
  }

  /** Its "log" cannot accept events when this node's index cannot write (a disk error). */
  @Override
  protected ChangePublisher unreachablePublisher() {
    return new LocalApplyPublisher(recording(index(), 0));
  }

  /** A fresh RocksDB index and its change log. */
  private ChangeLog index() {
    store = new RocksIndexStore(dir);
    changes = new RocksChangeLog(store, "this-node", "eu", 60_000);
    modules = new RocksModuleIndex(store, changes);
    changes.attach(modules, new RocksSumdbIndex(store, changes));
    return changes;
  }

  /**
   * {@code log}, recording the events it applied, whose writes fail as on a full disk from the
   * {@code failFrom}-th event on (0: the first).
   */
  private ChangeLog recording(ChangeLog log, int failFrom) {
    return new DelegatingChangeLog(log) {
      @Override
      public ApplyResult apply(ChangeEvent event) {
        if (applied.size() >= failFrom) {
          throw new IndexException(
              "cannot write the index", new IOException("No space left on device"));
        }
        ApplyResult r = super.apply(event);
        applied.add(event);
        return r;
      }
    };
  }

  @AfterEach
  void closeStore() {
    if (store != null) {
      store.close();
    }
  }

  @Test
  void publishedEventsAreHeldByTheIndex() throws Exception {
    ChangePublisher p = newPublisher();
    List<ChangeEvent> batch = events(1, 4);
    p.publish(batch);
    for (ChangeEvent e : batch) {
      assertThat(changes.holds(e)).as("seq " + e.getSeq()).isTrue();
      assertThat(
              modules.get(
                  ModulePath.of(e.getGoVersionStored().getRecord().getModulePath()), "v1.0.0"))
          .contains(e.getGoVersionStored().getRecord());
    }
  }

  @Test
  void anIndexFailureIsAPublishExceptionWithTheAppliedEventsAcknowledged() throws Exception {
    ChangePublisher p = new LocalApplyPublisher(recording(index(), 2));
    List<ChangeEvent> batch = events(1, 4);
    assertThatThrownBy(() -> p.publish(batch))
        .isInstanceOfSatisfying(
            ChangePublisher.PublishException.class,
            e -> {
              assertThat(e.acknowledged()).isEqualTo(2);
              assertThat(e.getCause())
                  .isInstanceOf(IndexException.class)
                  .hasRootCauseMessage("No space left on device");
              assertThat(e.getMessage())
                  .contains(ChangeEvents.describe(batch.get(2)))
                  .contains("cannot write the index");
            });
    assertThat(changes.holds(batch.get(0))).isTrue();
    assertThat(changes.holds(batch.get(1))).isTrue();
    assertThat(changes.holds(batch.get(2))).isFalse();
    assertThat(changes.holds(batch.get(3))).isFalse();
  }
}
