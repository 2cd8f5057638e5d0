package io.berth.node.index.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ModulePath;
import io.berth.node.index.ModuleVersionConflictException;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocksModuleIndexTest {
  @TempDir Path dir;

  private static ModuleVersionRecord.Builder rec(String m, String v) {
    return ModuleVersionRecord.newBuilder().setModulePath(m).setVersion(v);
  }

  @Test
  void mergeFillsFieldsAndRejectsDifferentContent() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksModuleIndex idx =
          new RocksModuleIndex(store, new RocksChangeLog(store, "n1", "r1", 60_000));
      ModulePath p = ModulePath.of("example.com/a");
      idx.merge(rec("example.com/a", "v1.0.0").setModDigest("sha256:aa").build());
      idx.merge(rec("example.com/a", "v1.0.0").setZipDigest("sha256:bb").setZipH1("h1:x").build());
      ModuleVersionRecord r = idx.get(p, "v1.0.0").orElseThrow();
      assertThat(r.getModDigest()).isEqualTo("sha256:aa");
      assertThat(r.getZipDigest()).isEqualTo("sha256:bb");
      assertThatThrownBy(
              () -> idx.merge(rec("example.com/a", "v1.0.0").setZipDigest("sha256:cc").build()))
          .isInstanceOf(ModuleVersionConflictException.class)
          .hasMessageContaining("zip_digest");
      assertThat(idx.get(p, "v1.0.0").orElseThrow().getZipDigest()).isEqualTo("sha256:bb");
      idx.merge(rec("example.com/a", "v1.1.0").build());
      idx.merge(rec("example.com/ab", "v9.0.0").build());
      assertThat(idx.versions(p)).containsExactlyInAnyOrder("v1.0.0", "v1.1.0");
      assertThat(idx.get(p, "v2.0.0")).isEmpty();
    }
  }

  @Test
  void aDifferentInfoFileIsNotAConflictTheFirstOneWins() throws Exception {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
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

  @Test
  void recordsAndAnswersSurviveReopen() {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksModuleIndex idx =
          new RocksModuleIndex(store, new RocksChangeLog(store, "n1", "r1", 60_000));
      idx.merge(rec("example.com/a", "v1.0.0").setModH1("h1:m").build());
      idx.putCachedAnswer(
          "list\0example.com/a", CachedUpstreamAnswer.newBuilder().setFetchedUnixMillis(5).build());
    }
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      RocksModuleIndex idx =
          new RocksModuleIndex(store, new RocksChangeLog(store, "n1", "r1", 60_000));
      assertThat(idx.get(ModulePath.of("example.com/a"), "v1.0.0").orElseThrow().getModH1())
          .isEqualTo("h1:m");
      assertThat(idx.cachedAnswer("list\0example.com/a").orElseThrow().getFetchedUnixMillis())
          .isEqualTo(5);
      assertThat(idx.cachedAnswer("list\0example.com/b")).isEmpty();
    }
  }
}
