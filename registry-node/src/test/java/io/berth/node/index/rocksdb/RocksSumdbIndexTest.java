package io.berth.node.index.rocksdb;

import io.berth.node.index.SumdbIndex;
import io.berth.node.index.SumdbIndexContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class RocksSumdbIndexTest extends SumdbIndexContract {
  @TempDir Path dir;
  private RocksIndexStore store;

  private SumdbIndex open() {
    store = new RocksIndexStore(dir);
    RocksChangeLog changes = new RocksChangeLog(store, "n1", "r1", 60_000);
    RocksSumdbIndex sumdb = new RocksSumdbIndex(store, changes);
    changes.attach(new RocksModuleIndex(store, changes), sumdb);
    return sumdb;
  }

  @Override
  protected SumdbIndex newIndex() {
    return open();
  }

  @Override
  protected SumdbIndex reopen() {
    store.close();
    return open();
  }

  @AfterEach
  void close() {
    if (store != null) {
      store.close();
    }
  }
}
