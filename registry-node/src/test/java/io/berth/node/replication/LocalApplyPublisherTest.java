package io.berth.node.replication;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.node.events.ChangePublisher;
import io.berth.node.events.ChangePublisherContract;
import io.berth.node.events.DelegatingChangeLog;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.proto.events.v1.ChangeEvent;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link LocalApplyPublisher} keeps the publisher contract over a real RocksDB change log: its
 * "log" is this node's index, so an event is in it once {@link ChangeLog#apply} accepted it.
 */
class LocalApplyPublisherTest extends ChangePublisherContract {
  @TempDir Path dir;
  private RocksIndexStore store;
  private RocksChangeLog changes;
  private RocksModuleIndex modules;
  private final List<ChangeEvent> applied = new ArrayList<>();

  @Override
  protected ChangePublisher newPublisher() {
    store = new RocksIndexStore(dir);
    changes = new RocksChangeLog(store, "this-node", "eu", 60_000);
    modules = new RocksModuleIndex(store, changes);
    changes.attach(modules, new RocksSumdbIndex(store, changes));
    ChangeLog recording =
        new DelegatingChangeLog(changes) {
          @Override
          public ApplyResult apply(ChangeEvent event) {
            ApplyResult r = super.apply(event);
            applied.add(event);
            return r;
          }
        };
    return new LocalApplyPublisher(recording);
  }

  @Override
  protected List<ChangeEvent> logged() {
    return List.copyOf(applied);
  }

  @Override
  protected ChangePublisher unreachablePublisher() {
    return null;
  }

  @Override
  protected String noUnreachableLog() {
    return "LocalApplyPublisher applies events to this node's own index; it has no log to lose";
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
}
