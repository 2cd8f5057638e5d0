package io.berth.node.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ModulePath;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.ModuleOrigin;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link ModuleIndex} contract; every implementation's test extends it. */
public abstract class ModuleIndexContract {
  protected ModuleIndex index;

  /** A fresh, empty index. */
  protected abstract ModuleIndex newIndex() throws Exception;

  /**
   * The same index opened again over the same storage (as after a restart of the node); the
   * previous instance is not used afterwards.
   */
  protected abstract ModuleIndex reopen() throws Exception;

  @BeforeEach
  void create() throws Exception {
    index = newIndex();
  }

  protected static ModuleVersionRecord.Builder rec(String path, String version) {
    return ModuleVersionRecord.newBuilder().setModulePath(path).setVersion(version);
  }

  private static CachedUpstreamAnswer answer(long fetched, String content) {
    return CachedUpstreamAnswer.newBuilder()
        .setFetchedUnixMillis(fetched)
        .setUpstream("https://proxy.example.com")
        .setContent(com.google.protobuf.ByteString.copyFromUtf8(content))
        .build();
  }

  @Test
  void anUnknownVersionIsAbsent() {
    ModulePath p = ModulePath.of("example.com/a");
    assertThat(index.get(p, "v1.0.0")).isEmpty();
    assertThat(index.versions(p)).isEmpty();
    List<ModuleVersionRecord> all = new ArrayList<>();
    index.forEachVersion(all::add);
    assertThat(all).isEmpty();
  }

  @Test
  void aFirstMergeStoresTheRecordAsGiven() {
    ModuleVersionRecord r =
        rec("example.com/a", "v1.0.0").setModDigest("sha256:aa").setModSize(12).build();
    assertThat(index.merge(r)).isEqualTo(r);
    assertThat(index.get(ModulePath.of("example.com/a"), "v1.0.0")).contains(r);
  }

  @Test
  void mergeFillsFieldsThatAreEmptyInTheStoredRecordAndReturnsTheMergedRecord() {
    index.merge(rec("example.com/a", "v1.0.0").setModDigest("sha256:aa").build());
    ModuleVersionRecord merged =
        index.merge(
            rec("example.com/a", "v1.0.0")
                .setModDigest("sha256:aa")
                .setZipDigest("sha256:bb")
                .setZipH1("h1:z")
                .build());
    ModuleVersionRecord expected =
        rec("example.com/a", "v1.0.0")
            .setModDigest("sha256:aa")
            .setZipDigest("sha256:bb")
            .setZipH1("h1:z")
            .build();
    assertThat(merged).isEqualTo(expected);
    assertThat(index.get(ModulePath.of("example.com/a"), "v1.0.0")).contains(expected);
    assertThat(index.merge(rec("example.com/a", "v1.0.0").build()))
        .as("an update with nothing new returns the stored record")
        .isEqualTo(expected);
  }

  @Test
  void aContentFieldThatDiffersIsAConflictAndNothingIsWritten() {
    index.merge(rec("example.com/a", "v1.0.0").setZipDigest("sha256:bb").build());
    assertThatThrownBy(
            () ->
                index.merge(
                    rec("example.com/a", "v1.0.0")
                        .setZipDigest("sha256:cc")
                        .setModDigest("sha256:dd")
                        .build()))
        .isInstanceOfSatisfying(
            ModuleVersionConflictException.class,
            e -> {
              assertThat(e.modulePath()).isEqualTo("example.com/a");
              assertThat(e.version()).isEqualTo("v1.0.0");
              assertThat(e.field()).isEqualTo("zip_digest");
            });
    assertThat(index.get(ModulePath.of("example.com/a"), "v1.0.0"))
        .as("not even the new mod_digest is taken")
        .contains(rec("example.com/a", "v1.0.0").setZipDigest("sha256:bb").build());
  }

  @Test
  void theStoredMetadataWinsOverADifferentOne() {
    ModuleVersionRecord first =
        rec("example.com/a", "v1.0.0")
            .setZipH1("h1:z")
            .setInfoDigest("sha256:01")
            .setInfoSize(50)
            .setTimeUnixMillis(1_000)
            .setUpstream("https://one.example.com")
            .setOrigin(ModuleOrigin.MODULE_ORIGIN_UPSTREAM)
            .setStoredUnixMillis(10)
            .build();
    index.merge(first);
    ModuleVersionRecord merged =
        index.merge(
            rec("example.com/a", "v1.0.0")
                .setZipH1("h1:z")
                .setInfoDigest("sha256:02")
                .setInfoSize(51)
                .setTimeUnixMillis(2_000)
                .setUpstream("https://two.example.com")
                .setOrigin(ModuleOrigin.MODULE_ORIGIN_PUBLISHED)
                .setStoredUnixMillis(20)
                .build());
    assertThat(merged).isEqualTo(first);
    assertThat(index.get(ModulePath.of("example.com/a"), "v1.0.0")).contains(first);
  }

  @Test
  void versionsListsExactlyTheVersionsOfThePath() {
    index.merge(rec("example.com/a", "v1.0.0").build());
    index.merge(rec("example.com/a", "v1.1.0").build());
    index.merge(rec("example.com/ab", "v9.0.0").build());
    index.merge(rec("example.com/a/v2", "v2.0.0").build());
    assertThat(index.versions(ModulePath.of("example.com/a")))
        .containsExactlyInAnyOrder("v1.0.0", "v1.1.0");
    assertThat(index.versions(ModulePath.of("example.com/a/v2"))).containsExactly("v2.0.0");
    assertThat(index.get(ModulePath.of("example.com/a"), "v2.0.0")).isEmpty();
  }

  @Test
  void forEachVersionVisitsEveryRecordOnce() {
    List<ModuleVersionRecord> stored = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      stored.add(
          index.merge(rec("example.com/m" + (i % 2), "v1.0." + i).setModH1("h1:" + i).build()));
    }
    List<ModuleVersionRecord> seen = new ArrayList<>();
    index.forEachVersion(seen::add);
    assertThat(seen).containsExactlyInAnyOrderElementsOf(stored);
  }

  @Test
  void aCachedAnswerIsStoredReplacedAndVisited() {
    assertThat(index.cachedAnswer("list\0example.com/a")).isEmpty();
    index.putCachedAnswer("list\0example.com/a", answer(1, "v1.0.0\n"));
    index.putCachedAnswer("list\0example.com/a", answer(2, "v1.0.0\nv1.1.0\n"));
    index.putCachedAnswer("latest\0example.com/a", answer(3, "{}"));
    assertThat(index.cachedAnswer("list\0example.com/a")).contains(answer(2, "v1.0.0\nv1.1.0\n"));
    assertThat(index.cachedAnswer("latest\0example.com/a")).contains(answer(3, "{}"));
    assertThat(index.cachedAnswer("list\0example.com/b")).isEmpty();
    List<CachedUpstreamAnswer> seen = new ArrayList<>();
    index.forEachCachedAnswer(seen::add);
    assertThat(seen).containsExactlyInAnyOrder(answer(2, "v1.0.0\nv1.1.0\n"), answer(3, "{}"));
  }

  @Test
  void everyWriteIsDurableWhenItReturns() throws Exception {
    ModuleVersionRecord r = index.merge(rec("example.com/a", "v1.0.0").setModH1("h1:m").build());
    index.putCachedAnswer("list\0example.com/a", answer(5, "v1.0.0\n"));
    index = reopen();
    assertThat(index.get(ModulePath.of("example.com/a"), "v1.0.0")).contains(r);
    assertThat(index.versions(ModulePath.of("example.com/a"))).containsExactly("v1.0.0");
    assertThat(index.cachedAnswer("list\0example.com/a")).contains(answer(5, "v1.0.0\n"));
  }
}
