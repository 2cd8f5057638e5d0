package io.berth.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.berth.proto.events.v1.BlobLinkAdded;
import io.berth.proto.events.v1.BlobLinkRemoved;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.events.v1.ManifestDelete;
import io.berth.proto.events.v1.ManifestPut;
import io.berth.proto.events.v1.SumdbObjectStored;
import io.berth.proto.events.v1.TagDelete;
import io.berth.proto.events.v1.TagSet;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.berth.proto.index.v1.SumdbObjectRecord;
import org.junit.jupiter.api.Test;

class ChangeEventsTest {
  static final String D1 = "sha256:" + "1".repeat(64);
  static final String D2 = "sha256:" + "2".repeat(64);
  static final String D3 = "sha256:" + "3".repeat(64);

  static ChangeEvent.Builder event() {
    return ChangeEvent.newBuilder().setOriginRegion("eu").setOriginNode("n1").setSeq(7);
  }

  @Test
  void goVersionNeedsTheFilesItNames() {
    ChangeEvent full =
        event()
            .setGoVersionStored(
                GoVersionStored.newBuilder()
                    .setRecord(
                        ModuleVersionRecord.newBuilder()
                            .setModulePath("corp.example.com/a")
                            .setInfoDigest(D1)
                            .setModDigest(D2)
                            .setZipDigest(D3)))
            .build();
    assertThat(ChangeEvents.requiredBlobs(full)).containsExactly(D1, D2, D3);
    assertThat(ChangeEvents.modulePath(full)).contains("corp.example.com/a");
    ChangeEvent infoOnly =
        event()
            .setGoVersionStored(
                GoVersionStored.newBuilder()
                    .setRecord(ModuleVersionRecord.newBuilder().setInfoDigest(D1)))
            .build();
    assertThat(ChangeEvents.requiredBlobs(infoOnly)).containsExactly(D1);
  }

  @Test
  void ociChanges() {
    ChangeEvent put =
        event()
            .setManifestPut(
                ManifestPut.newBuilder()
                    .setRepository("team/app")
                    .setDigest(D1)
                    .addReferencedDigests(D2)
                    .addReferencedDigests(D3)
                    .addReferencedDigests(D2)
                    .setSubjectDigest("sha256:" + "9".repeat(64)))
            .build();
    assertThat(ChangeEvents.requiredBlobs(put))
        .as("a subject may be missing; duplicates once")
        .containsExactly(D1, D2, D3);
    assertThat(ChangeEvents.repository(put)).contains("team/app");
    ChangeEvent cached =
        put.toBuilder()
            .setManifestPut(put.getManifestPut().toBuilder().setPullThroughCached(true))
            .build();
    assertThat(ChangeEvents.requiredBlobs(cached))
        .as("a pull-through-cached manifest needs only its own bytes")
        .containsExactly(D1);
    ChangeEvent link =
        event()
            .setBlobLinkAdded(BlobLinkAdded.newBuilder().setRepository("r").setDigest(D2))
            .build();
    assertThat(ChangeEvents.requiredBlobs(link)).containsExactly(D2);
    ChangeEvent tag =
        event()
            .setTagSet(TagSet.newBuilder().setRepository("r").setTag("v1").setDigest(D1))
            .build();
    assertThat(ChangeEvents.requiredBlobs(tag)).isEmpty();
    assertThat(ChangeEvents.tag(tag)).contains("v1");
    assertThat(ChangeEvents.isDelete(tag)).isFalse();
    for (ChangeEvent del :
        new ChangeEvent[] {
          event().setTagDelete(TagDelete.newBuilder().setRepository("r").setTag("v1")).build(),
          event()
              .setManifestDelete(ManifestDelete.newBuilder().setRepository("r").setDigest(D1))
              .build(),
          event()
              .setBlobLinkRemoved(BlobLinkRemoved.newBuilder().setRepository("r").setDigest(D1))
              .build()
        }) {
      assertThat(ChangeEvents.requiredBlobs(del)).isEmpty();
      assertThat(ChangeEvents.isDelete(del)).isTrue();
      assertThat(ChangeEvents.repository(del)).contains("r");
    }
  }

  @Test
  void storedBlobSizesAreTheOnesTheEventCarries() {
    ChangeEvent put =
        event()
            .setManifestPut(
                ManifestPut.newBuilder()
                    .setRepository("team/app")
                    .setDigest(D1)
                    .setSize(600)
                    .addReferencedDigests(D2))
            .build();
    assertThat(ChangeEvents.storedBlobSizes(put))
        .as("a referenced blob's size is not in the event")
        .containsExactly(java.util.Map.entry(D1, 600L));
    ChangeEvent link =
        event()
            .setBlobLinkAdded(
                BlobLinkAdded.newBuilder().setRepository("team/app").setDigest(D2).setSize(1234))
            .build();
    assertThat(ChangeEvents.storedBlobSizes(link)).containsExactly(java.util.Map.entry(D2, 1234L));
    ChangeEvent go =
        event()
            .setGoVersionStored(
                GoVersionStored.newBuilder()
                    .setRecord(
                        ModuleVersionRecord.newBuilder()
                            .setInfoDigest(D1)
                            .setInfoSize(50)
                            .setModDigest(D2)
                            .setModSize(0)
                            .setZipDigest(D3)
                            .setZipSize(9000)))
            .build();
    assertThat(ChangeEvents.storedBlobSizes(go))
        .as("a size of 0 (not recorded) is left out")
        .containsExactly(java.util.Map.entry(D1, 50L), java.util.Map.entry(D3, 9000L));
    ChangeEvent tag =
        event()
            .setTagSet(TagSet.newBuilder().setRepository("team/app").setTag("v1").setDigest(D1))
            .build();
    assertThat(ChangeEvents.storedBlobSizes(tag)).isEmpty();
    assertThat(ChangeEvents.storedBlobSizes(event().build()))
        .as("an unknown change names none and does not fail")
        .isEmpty();
  }

  @Test
  void sumdbObjectNeedsItsBlob() {
    ChangeEvent e =
        event()
            .setSumdbObjectStored(
                SumdbObjectStored.newBuilder()
                    .setKey("sum.golang.org/tile/8/0/1")
                    .setRecord(SumdbObjectRecord.newBuilder().setDigest(D3)))
            .build();
    assertThat(ChangeEvents.requiredBlobs(e)).containsExactly(D3);
    assertThat(ChangeEvents.modulePath(e)).isEmpty();
    assertThat(ChangeEvents.repository(e)).isEmpty();
  }

  @Test
  void anEventOfANewerSchemaIsNotUnderstood() throws Exception {
    // field 99 stands for a change this build does not know
    byte[] bytes =
        event().setSchema(2).setKey("x").build().toBuilder()
            .setUnknownFields(
                com.google.protobuf.UnknownFieldSet.newBuilder()
                    .addField(
                        99,
                        com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                            .addLengthDelimited(ByteString.copyFromUtf8("?"))
                            .build())
                    .build())
            .build()
            .toByteArray();
    ChangeEvent e = ChangeEvent.parseFrom(bytes);
    assertThat(ChangeEvents.understood(e)).isFalse();
    assertThatThrownBy(() -> ChangeEvents.requiredBlobs(e))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("newer schema 2");
  }

  @Test
  void linkIds() {
    assertThat(ChangeEvents.linkId("eu", "us")).isEqualTo("eu->us");
  }

  @Test
  void ociArtifactKeysComeFromTheContentNotTheRepositoryKey() {
    assertThat(
            ChangeEvents.artifactKeys(
                event()
                    .setKey("oci:team/app")
                    .setTagSet(TagSet.newBuilder().setRepository("team/app").setTag("v1"))
                    .build()))
        .containsExactly("oci:team/app:v1");
    assertThat(
            ChangeEvents.artifactKeys(
                event()
                    .setKey("oci:team/app")
                    .setTagDelete(TagDelete.newBuilder().setRepository("team/app").setTag("v1"))
                    .build()))
        .containsExactly("oci:team/app:v1");
    assertThat(
            ChangeEvents.artifactKeys(
                event()
                    .setKey("oci:team/app")
                    .setManifestPut(
                        ManifestPut.newBuilder().setRepository("team/app").setDigest(D1))
                    .build()))
        .containsExactly("oci:team/app@" + D1);
    assertThat(
            ChangeEvents.artifactKeys(
                event()
                    .setKey("oci:team/app")
                    .setManifestDelete(
                        ManifestDelete.newBuilder().setRepository("team/app").setDigest(D1))
                    .build()))
        .containsExactly("oci:team/app@" + D1);
    assertThat(
            ChangeEvents.artifactKeys(
                event()
                    .setKey("oci:team/app")
                    .setBlobLinkAdded(
                        BlobLinkAdded.newBuilder().setRepository("team/app").setDigest(D2))
                    .build()))
        .isEmpty();
    assertThat(
            ChangeEvents.artifactKeys(
                event()
                    .setKey("go:corp.example.com/a@v1.0.0")
                    .setGoVersionStored(GoVersionStored.newBuilder())
                    .build()))
        .containsExactly("go:corp.example.com/a@v1.0.0");
    assertThat(ChangeEvents.artifactKeys(event().setKey("x").build())).isEmpty();
  }
}
