package io.berth.node.index.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ModulePath;
import io.berth.node.index.ModuleIndex;
import io.berth.node.index.ModuleIndexContract;
import io.berth.node.index.ModuleVersionConflictException;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RocksModuleIndex} keeps the {@link ModuleIndex} contract (on a store under {@code
 * dir/contract}); the tests below add what is RocksDB-specific (remote applies) on their own store
 * under {@code dir/own}.
 */
class RocksModuleIndexTest extends ModuleIndexContract {
  @TempDir Path dir;
  private RocksIndexStore contractStore;

  private ModuleIndex open() {
    contractStore = new RocksIndexStore(dir.resolve("contract"));
    RocksChangeLog changes = new RocksChangeLog(contractStore, "n1", "r1", 60_000);
    RocksModuleIndex modules = new RocksModuleIndex(contractStore, changes);
    changes.attach(modules, new RocksSumdbIndex(contractStore, changes));
    return modules;
  }

  @Override
  protected ModuleIndex newIndex() {
    return open();
  }

  @Override
  protected ModuleIndex reopen() {
    contractStore.close();
    return open();
  }

  @AfterEach
  void closeContractStore() {
    if (contractStore != null) {
      contractStore.close();
    }
  }

  @Test
  void aDifferentInfoFileIsNotAConflictTheFirstOneWins() throws Exception {
    try (RocksIndexStore store = new RocksIndexStore(dir.resolve("own"))) {
      RocksChangeLog log = new RocksChangeLog(store, "n1", "r1", 60_000);
      RocksModuleIndex idx = new RocksModuleIndex(store, log);
      ModulePath p = ModulePath.of("example.com/a");
      idx.merge(
          rec("example.com/a", "v1.0.0")
              .setInfoDigest("sha256:01")
              .setInfoSize(50)
              .setZipH1("h1:z")
              .build());
      // a concurrent identical publish (other Time), or another upstream's .info
      ModuleVersionRecord again =
          idx.merge(
              rec("example.com/a", "v1.0.0")
                  .setInfoDigest("sha256:02")
                  .setInfoSize(51)
                  .setZipH1("h1:z")
                  .build());
      assertThat(again.getInfoDigest()).isEqualTo("sha256:01");
      assertThat(idx.get(p, "v1.0.0").orElseThrow().getInfoSize()).isEqualTo(50);
      // the same from another node's event: a duplicate, not a conflict
      try (org.rocksdb.WriteBatch batch = new org.rocksdb.WriteBatch()) {
        assertThat(
                idx.applyRemote(
                    rec("example.com/a", "v1.0.0")
                        .setInfoDigest("sha256:03")
                        .setInfoSize(52)
                        .setZipH1("h1:z")
                        .build(),
                    batch))
            .isEqualTo(io.berth.node.index.ChangeLog.ApplyResult.DUPLICATE);
      }
      // content still conflicts
      assertThatThrownBy(
              () ->
                  idx.merge(
                      rec("example.com/a", "v1.0.0")
                          .setInfoDigest("sha256:02")
                          .setZipH1("h1:other")
                          .build()))
          .isInstanceOf(ModuleVersionConflictException.class)
          .hasMessageContaining("zip_h1");
    }
  }
}
