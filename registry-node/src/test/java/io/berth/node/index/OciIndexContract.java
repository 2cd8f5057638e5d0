package io.berth.node.index;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.proto.index.v1.OciBlobLinkRecord;
import io.berth.proto.index.v1.OciManifestRecord;
import io.berth.proto.index.v1.OciUploadSession;
import io.berth.proto.index.v1.OciUpstreamTagRecord;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link OciIndex} contract; every implementation's test extends it. */
public abstract class OciIndexContract {
  protected OciIndex index;

  /** A fresh, empty index. */
  protected abstract OciIndex newIndex() throws Exception;

  @BeforeEach
  void create() throws Exception {
    index = newIndex();
  }

  protected static RepositoryName repo(String name) {
    return RepositoryName.parse(name);
  }

  protected static Digest digest(String seed) {
    return Digest.sha256(seed.getBytes(StandardCharsets.UTF_8));
  }

  protected static OciManifestRecord manifest(String repo, Digest d, Digest... refs) {
    OciManifestRecord.Builder b =
        OciManifestRecord.newBuilder()
            .setRepository(repo)
            .setDigest(d.toString())
            .setMediaType("application/vnd.oci.image.manifest.v1+json")
            .setSize(100);
    for (Digest r : refs) {
      b.addReferencedDigests(r.toString());
    }
    return b.build();
  }

  protected OciIndex.ManifestWriteResult put(
      String repo, Digest d, String tag, List<Digest> blobs, List<Digest> children) {
    return index.putManifest(
        new OciIndex.ManifestWrite(
            manifest(repo, d, blobs.toArray(Digest[]::new)),
            Optional.ofNullable(tag).map(Tag::parse),
            blobs,
            children));
  }

  @Test
  void aManifestNeedsItsBlobLinksAndChildManifestsInTheRepository() {
    Digest layer = digest("layer");
    Digest m = digest("manifest");
    assertThatThrownBy(() -> put("a", m, "v1", List.of(layer), List.of()))
        .isInstanceOf(OciReferenceMissingException.class)
        .satisfies(
            e ->
                assertThat(((OciReferenceMissingException) e).missing())
                    .containsExactly(layer.toString()));
    assertThat(index.manifest(repo("a"), m)).isEmpty();
    assertThat(index.tag(repo("a"), Tag.parse("v1"))).isEmpty();

    index.linkBlob(repo("b"), layer, 10);
    assertThatThrownBy(() -> put("a", m, "v1", List.of(layer), List.of()))
        .as("a link of another repository does not count")
        .isInstanceOf(OciReferenceMissingException.class);

    assertThat(index.linkBlob(repo("a"), layer, 10)).isTrue();
    assertThat(index.linkBlob(repo("a"), layer, 10)).as("already linked").isFalse();
    OciIndex.ManifestWriteResult r = put("a", m, "v1", List.of(layer), List.of());
    assertThat(r.manifestCreated()).isTrue();
    assertThat(r.tagChanged()).isTrue();
    assertThat(index.manifest(repo("a"), m)).isPresent();
    assertThat(index.manifest(repo("a"), m).get().hasStamp()).isTrue();
    assertThat(index.tag(repo("a"), Tag.parse("v1"))).contains(m);
    assertThat(index.blobLink(repo("a"), m)).as("the manifest's own bytes are linked").isPresent();
    assertThat(index.manifest(repo("b"), m)).isEmpty();

    OciIndex.ManifestWriteResult again = put("a", m, "v1", List.of(layer), List.of());
    assertThat(again.manifestCreated()).isFalse();
    assertThat(again.tagChanged()).isFalse();

    Digest idx = digest("index");
    assertThatThrownBy(() -> put("a", idx, "multi", List.of(), List.of(digest("absent"))))
        .isInstanceOf(OciReferenceMissingException.class);
    assertThat(put("a", idx, "multi", List.of(), List.of(m)).manifestCreated()).isTrue();
  }

  @Test
  void tagsAreSortedPagedAndMoveAndDelete() {
    Digest m1 = digest("m1");
    Digest m2 = digest("m2");
    for (String t : List.of("b", "a", "C", "a.1", "_z")) {
      put("r", m1, t, List.of(), List.of());
    }
    assertThat(index.tags(repo("r"), null, 100).stream().map(Tag::value))
        .containsExactly("C", "_z", "a", "a.1", "b");
    assertThat(index.tags(repo("r"), Tag.parse("_z"), 2).stream().map(Tag::value))
        .containsExactly("a", "a.1");
    assertThat(index.tags(repo("r"), Tag.parse("aa"), 10).stream().map(Tag::value))
        .containsExactly("b");
    assertThat(index.tags(repo("r"), null, 0)).isEmpty();
    assertThat(index.tags(repo("r-other"), null, 10)).isEmpty();

    assertThat(put("r", m2, "a", List.of(), List.of()).tagChanged()).isTrue();
    assertThat(index.tag(repo("r"), Tag.parse("a"))).contains(m2);
    assertThat(index.tagsOf(repo("r"), m1).stream().map(Tag::value))
        .containsExactlyInAnyOrder("b", "C", "a.1", "_z");

    assertThat(index.deleteTag(repo("r"), Tag.parse("b"))).isTrue();
    assertThat(index.deleteTag(repo("r"), Tag.parse("b"))).isFalse();
    assertThat(index.tag(repo("r"), Tag.parse("b"))).isEmpty();
    assertThat(index.tags(repo("r"), null, 100).stream().map(Tag::value))
        .containsExactly("C", "_z", "a", "a.1");
    put("r", m1, "b", List.of(), List.of());
    assertThat(index.tag(repo("r"), Tag.parse("b")))
        .as("a deleted tag can be set again")
        .contains(m1);
  }

  @Test
  void deletingAManifestRemovesItsTagsLinkAndReferrerEntry() {
    Digest subject = digest("subject");
    Digest m = digest("referrer");
    put("r", subject, "v1", List.of(), List.of());
    index.putManifest(
        new OciIndex.ManifestWrite(
            manifest("r", m).toBuilder()
                .setSubjectDigest(subject.toString())
                .setArtifactType("application/x")
                .putAnnotations("k", "v")
                .build(),
            Optional.of(Tag.parse("sig")),
            List.of(),
            List.of()));
    put("r", m, "sig2", List.of(), List.of());
    assertThat(index.referrers(repo("r"), subject)).hasSize(1);
    assertThat(index.referrers(repo("r"), subject).get(0).getArtifactType())
        .isEqualTo("application/x");
    assertThat(index.referrers(repo("r"), subject).get(0).getAnnotationsMap())
        .containsEntry("k", "v");
    assertThat(index.referrers(repo("other"), subject)).isEmpty();

    assertThat(index.deleteManifest(repo("r"), m)).isTrue();
    assertThat(index.deleteManifest(repo("r"), m)).isFalse();
    assertThat(index.manifest(repo("r"), m)).isEmpty();
    assertThat(index.tag(repo("r"), Tag.parse("sig"))).isEmpty();
    assertThat(index.tag(repo("r"), Tag.parse("sig2"))).isEmpty();
    assertThat(index.blobLink(repo("r"), m)).isEmpty();
    assertThat(index.referrers(repo("r"), subject)).isEmpty();
    assertThat(index.tag(repo("r"), Tag.parse("v1"))).contains(subject);

    put("r", m, null, List.of(), List.of());
    assertThat(index.manifest(repo("r"), m)).as("pushed again after a delete").isPresent();
  }

  @Test
  void blobLinksArePerRepository() {
    Digest d = digest("blob");
    index.linkBlob(repo("a"), d, 5);
    index.linkBlob(repo("b"), d, 5);
    assertThat(index.unlinkBlob(repo("a"), d)).isTrue();
    assertThat(index.unlinkBlob(repo("a"), d)).isFalse();
    assertThat(index.blobLink(repo("a"), d)).isEmpty();
    assertThat(index.blobLink(repo("b"), d)).isPresent();
    assertThat(index.blobLink(repo("b"), d).get().getSize()).isEqualTo(5);
    assertThat(index.linkBlob(repo("a"), d, 5)).isTrue();
  }

  @Test
  void repositoriesAndExistence() {
    Digest d = digest("x");
    for (String r : List.of("b", "a/b", "a", "a-b", "c")) {
      put(r, d, "v", List.of(), List.of());
    }
    index.linkBlob(repo("linkonly"), digest("y"), 1);
    assertThat(index.repositories(null, 100, r -> true).stream().map(RepositoryName::value))
        .containsExactly("a", "a-b", "a/b", "b", "c");
    assertThat(index.repositories(repo("a"), 2, r -> true).stream().map(RepositoryName::value))
        .containsExactly("a-b", "a/b");
    assertThat(
            index.repositories(null, 2, r -> !r.value().startsWith("a")).stream()
                .map(RepositoryName::value))
        .containsExactly("b", "c");
    index.deleteManifest(repo("b"), d);
    assertThat(index.repositories(null, 100, r -> true).stream().map(RepositoryName::value))
        .containsExactly("a", "a-b", "a/b", "c");
    assertThat(index.repositoryExists(repo("linkonly"))).isTrue();
    assertThat(index.repositoryExists(repo("b"))).isFalse();
    assertThat(index.repositoryExists(repo("nothing"))).isFalse();
  }

  @Test
  void uploadSessions() {
    OciUploadSession s =
        OciUploadSession.newBuilder().setId("u1").setRepository("a").setSize(10).build();
    index.putUpload(s);
    assertThat(index.upload("u1")).contains(s);
    index.putUpload(s.toBuilder().setSize(20).build());
    assertThat(index.upload("u1").get().getSize()).isEqualTo(20);
    List<String> ids = new ArrayList<>();
    index.forEachUpload(u -> ids.add(u.getId()));
    assertThat(ids).containsExactly("u1");
    index.deleteUpload("u1");
    index.deleteUpload("u1");
    assertThat(index.upload("u1")).isEmpty();
  }

  @Test
  void completingAnUploadLinksTheBlobAndRemovesTheSession() {
    OciUploadSession s =
        OciUploadSession.newBuilder().setId("u2").setRepository("a").setSize(10).build();
    index.putUpload(s);
    Digest d = digest("uploaded");
    assertThat(index.linkUploadedBlob(repo("a"), d, 10, "u2")).isTrue();
    assertThat(index.blobLink(repo("a"), d)).isPresent();
    assertThat(index.blobLink(repo("a"), d).get().getSize()).isEqualTo(10);
    assertThat(index.upload("u2")).isEmpty();
    index.putUpload(s.toBuilder().setId("u3").build());
    assertThat(index.linkUploadedBlob(repo("a"), d, 10, "u3")).isFalse();
    assertThat(index.upload("u3")).isEmpty();
  }

  @Test
  void visitorsSeeLiveEntriesAndEveryReferencedDigest() {
    Digest layer = digest("layer");
    Digest config = digest("config");
    Digest m = digest("m");
    Digest gone = digest("gone");
    index.linkBlob(repo("r"), layer, 1);
    index.linkBlob(repo("r"), config, 1);
    put("r", m, "v1", List.of(config, layer), List.of());
    put("r", gone, "old", List.of(), List.of());
    index.deleteManifest(repo("r"), gone);
    index.linkBlob(repo("r"), digest("unlinked"), 1);
    index.unlinkBlob(repo("r"), digest("unlinked"));

    List<String> manifests = new ArrayList<>();
    index.forEachManifest(x -> manifests.add(x.getDigest()));
    assertThat(manifests).containsExactly(m.toString());
    List<OciBlobLinkRecord> links = new ArrayList<>();
    index.forEachBlobLink(links::add);
    assertThat(links)
        .extracting(OciBlobLinkRecord::getDigest)
        .containsExactlyInAnyOrder(layer.toString(), config.toString(), m.toString());
    List<String> tags = new ArrayList<>();
    index.forEachTag(t -> tags.add(t.getTag()));
    assertThat(tags).containsExactly("v1");
    Set<Digest> referenced = new HashSet<>();
    index.forEachReferencedDigest(referenced::add);
    assertThat(referenced).containsExactlyInAnyOrder(layer, config, m);
  }

  // ---------------------------------------------------------------- pull-through cache

  @Test
  void aCachedManifestIsIndexedBeforeTheBlobsAndChildrenItNames() {
    Digest layer = digest("cached-layer");
    Digest child = digest("cached-child");
    Digest m = digest("cached-manifest");
    OciUpstreamTagRecord check =
        OciUpstreamTagRecord.newBuilder()
            .setRepository("hub/app")
            .setTag("v1")
            .setDigest(m.toString())
            .setCheckedUnixMillis(1234)
            .setUpstream("http://upstream")
            .build();
    OciIndex.ManifestWriteResult r =
        index.putCachedManifest(
            manifest("hub/app", m, layer, child), Optional.of(Tag.parse("v1")), Optional.of(check));
    assertThat(r.manifestCreated()).isTrue();
    assertThat(r.tagChanged()).isTrue();
    assertThat(index.manifest(repo("hub/app"), m)).isPresent();
    assertThat(index.manifest(repo("hub/app"), m).get().getReferencedDigestsList())
        .containsExactly(layer.toString(), child.toString());
    assertThat(index.tag(repo("hub/app"), Tag.parse("v1"))).contains(m);
    assertThat(index.blobLink(repo("hub/app"), m)).as("the link to its own bytes").isPresent();
    assertThat(index.blobLink(repo("hub/app"), layer))
        .as("blobs are linked when they are fetched, not before")
        .isEmpty();
    assertThat(index.upstreamTag(repo("hub/app"), Tag.parse("v1"))).contains(check);
    assertThat(index.upstreamTag(repo("hub/app"), Tag.parse("v2"))).isEmpty();
    assertThat(index.upstreamTag(repo("hub/other"), Tag.parse("v1"))).isEmpty();

    index.putCachedManifest(manifest("hub/app", child), Optional.empty(), Optional.empty());
    assertThat(index.manifest(repo("hub/app"), child)).isPresent();
    assertThat(index.tagsOf(repo("hub/app"), child)).isEmpty();
  }

  @Test
  void upstreamTagChecksAreReplacedAndLeaveTheTagAlone() {
    Digest m = digest("m-check");
    index.putCachedManifest(manifest("hub/x", m), Optional.of(Tag.parse("t")), Optional.empty());
    assertThat(index.upstreamTag(repo("hub/x"), Tag.parse("t"))).isEmpty();
    OciUpstreamTagRecord failed =
        OciUpstreamTagRecord.newBuilder()
            .setRepository("hub/x")
            .setTag("t")
            .setDigest(m.toString())
            .setCheckedUnixMillis(10)
            .setFailedUnixMillis(20)
            .setFailure("down")
            .build();
    index.putUpstreamTag(failed);
    assertThat(index.upstreamTag(repo("hub/x"), Tag.parse("t"))).contains(failed);
    OciUpstreamTagRecord ok = failed.toBuilder().setCheckedUnixMillis(30).build();
    index.putUpstreamTag(ok);
    assertThat(index.upstreamTag(repo("hub/x"), Tag.parse("t"))).contains(ok);
    assertThat(index.tag(repo("hub/x"), Tag.parse("t"))).contains(m);
  }
}
