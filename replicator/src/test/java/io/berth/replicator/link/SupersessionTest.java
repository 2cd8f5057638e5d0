package io.berth.replicator.link;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.proto.events.v1.BlobLinkAdded;
import io.berth.proto.events.v1.BlobLinkRemoved;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.ManifestDelete;
import io.berth.proto.events.v1.ManifestPut;
import io.berth.proto.events.v1.TagSet;
import io.berth.proto.index.v1.LwwStamp;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupersessionTest {
  static final String M = "sha256:" + "a".repeat(64);
  static final String L = "sha256:" + "b".repeat(64);

  static LwwStamp stamp(long wall, String region) {
    return LwwStamp.newBuilder()
        .setWallMillis(wall)
        .setOriginRegion(region)
        .setOriginNode(region + "-1")
        .build();
  }

  static ChangeEvent put(String repo, long wall) {
    return ChangeEvent.newBuilder()
        .setManifestPut(
            ManifestPut.newBuilder().setRepository(repo).setDigest(M).setStamp(stamp(wall, "eu")))
        .build();
  }

  static ChangeEvent delete(String repo, long wall, String region) {
    return ChangeEvent.newBuilder()
        .setManifestDelete(
            ManifestDelete.newBuilder()
                .setRepository(repo)
                .setDigest(M)
                .setStamp(stamp(wall, region)))
        .build();
  }

  @Test
  void aPutIsDroppedOnlyWhenALaterDeleteOfTheSameManifestWinsByItsStamp() {
    ChangeEvent p = put("r", 10);
    ChangeEvent d = delete("r", 20, "eu");
    ChangeEvent tag =
        ChangeEvent.newBuilder()
            .setTagSet(TagSet.newBuilder().setRepository("r").setTag("t").setDigest(M))
            .build();
    assertThat(Supersession.withoutSuperseded(List.of(p, tag, d))).containsExactly(tag, d);
    assertThat(Supersession.withoutSuperseded(List.of(d, p)))
        .as("a delete before the put does not remove it")
        .containsExactly(d, p);
    ChangeEvent olderDelete = delete("r", 5, "us");
    assertThat(Supersession.withoutSuperseded(List.of(p, olderDelete)))
        .as("a delete that loses last-writer-wins does not supersede")
        .containsExactly(p, olderDelete);
    assertThat(Supersession.withoutSuperseded(List.of(put("other", 10), d)))
        .as("another repository")
        .hasSize(2);
  }

  @Test
  void aBlobLinkIsDroppedWhenALaterUnlinkWins() {
    ChangeEvent link =
        ChangeEvent.newBuilder()
            .setBlobLinkAdded(
                BlobLinkAdded.newBuilder().setRepository("r").setDigest(L).setStamp(stamp(1, "eu")))
            .build();
    ChangeEvent unlink =
        ChangeEvent.newBuilder()
            .setBlobLinkRemoved(
                BlobLinkRemoved.newBuilder()
                    .setRepository("r")
                    .setDigest(L)
                    .setStamp(stamp(2, "eu")))
            .build();
    assertThat(Supersession.withoutSuperseded(List.of(link, unlink))).containsExactly(unlink);
  }
}
