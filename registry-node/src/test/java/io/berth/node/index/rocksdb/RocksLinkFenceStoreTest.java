package io.berth.node.index.rocksdb;

import io.berth.node.index.LinkFenceStore;
import io.berth.node.index.LinkFenceStoreContract;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

class RocksLinkFenceStoreTest extends LinkFenceStoreContract {
  @TempDir Path dir;
  private RocksIndexStore index;
  private RocksLinkFenceStore store;

  @Override
  protected LinkFenceStore store() {
    if (store == null) {
      index = new RocksIndexStore(dir);
      store = new RocksLinkFenceStore(index);
    }
    return store;
  }

  @Override
  protected LinkFenceStore reopen() {
    index.close();
    index = new RocksIndexStore(dir);
    store = new RocksLinkFenceStore(index);
    return store;
  }

  @AfterEach
  void close() {
    if (index != null) {
      index.close();
    }
  }
}
