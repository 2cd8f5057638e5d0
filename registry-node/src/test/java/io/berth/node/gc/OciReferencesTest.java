package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.OciIndex;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksOciIndex;
import io.berth.proto.index.v1.OciManifestRecord;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the OCI index keeps alive in a GC run: live manifests (their bytes and every descriptor)
 * always, blob links no manifest names only while younger than the run's cutoff, deleted manifests
 * not at all.
 */
class OciReferencesTest {
  @TempDir Path dir;
  RocksIndexStore store;
  RocksOciIndex index;
  OciReferences refs;

  static final RepositoryName REPO = RepositoryName.parse("team/app");
  static final Digest CONFIG = Digest.sha256(new byte[] {1});
  static final Digest LAYER = Digest.sha256(new byte[] {2});
  static final Digest MANIFEST = Digest.sha256(new byte[] {3});
  static final Digest PENDING = Digest.sha256(new byte[] {4});

  @BeforeEach
  void open() {
    store = new RocksIndexStore(dir.resolve("idx"));
    index = new RocksOciIndex(store, new RocksChangeLog(store, "n", "r", 60_000));
    refs = new OciReferences(index);
  }

  @AfterEach
  void close() {
    store.close();
  }

  private Set<Digest> mark(long cutoff) {
    Set<Digest> out = new HashSet<>();
    refs.mark(cutoff, out::add);
    return out;
  }

  private void pushImage() {
    index.linkBlob(REPO, CONFIG, 1);
    index.linkBlob(REPO, LAYER, 1);
    OciManifestRecord m =
        OciManifestRecord.newBuilder()
            .setRepository(REPO.value())
            .setDigest(MANIFEST.toString())
            .setMediaType("application/vnd.oci.image.manifest.v1+json")
            .setSize(1)
            .addReferencedDigests(CONFIG.toString())
            .addReferencedDigests(LAYER.toString())
            .build();
    index.putManifest(
        new OciIndex.ManifestWrite(
            m, Optional.of(Tag.parse("v1")), List.of(CONFIG, LAYER), List.of()));
  }

  @Test
  void aManifestKeepsItsBytesAndDescriptorsAliveAtAnyAge() {
    pushImage();
    long future = System.currentTimeMillis() + 60_000;
    assertThat(mark(future)).containsExactlyInAnyOrder(MANIFEST, CONFIG, LAYER);
  }

  @Test
  void aLinkNoManifestNamesKeepsItsBlobOnlyWhileYoung() {
    long before = System.currentTimeMillis();
    index.linkBlob(REPO, PENDING, 1);
    assertThat(mark(before)).as("a push in progress").contains(PENDING);
    assertThat(mark(System.currentTimeMillis() + 1)).as("older than the grace").isEmpty();
  }

  @Test
  void afterAManifestDeleteOnlyYoungLinksKeepItsBlobs() {
    pushImage();
    assertThat(index.deleteTag(REPO, Tag.parse("v1"))).isTrue();
    long later = System.currentTimeMillis() + 1;
    assertThat(mark(later))
        .as("a tag delete leaves the manifest")
        .containsExactlyInAnyOrder(MANIFEST, CONFIG, LAYER);
    assertThat(index.deleteManifest(REPO, MANIFEST)).isTrue();
    assertThat(mark(0)).as("the blob links, still young").containsExactlyInAnyOrder(CONFIG, LAYER);
    assertThat(mark(later)).as("nothing once the links are old").isEmpty();
    Set<Digest> all = new HashSet<>();
    refs.forEachReferencedDigest(all::add);
    assertThat(all).as("without a cutoff every link counts").contains(CONFIG, LAYER);
  }
}
