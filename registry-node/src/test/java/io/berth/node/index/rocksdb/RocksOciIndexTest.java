package io.berth.node.index.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.common.Hlc;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.ChangeLog.ApplyResult;
import io.berth.node.index.LwwStamps;
import io.berth.node.index.OciIndex;
import io.berth.node.index.OciIndexContract;
import io.berth.proto.events.v1.BlobLinkAdded;
import io.berth.proto.events.v1.BlobLinkRemoved;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.ManifestDelete;
import io.berth.proto.events.v1.ManifestPut;
import io.berth.proto.events.v1.TagDelete;
import io.berth.proto.events.v1.TagSet;
import io.berth.proto.index.v1.LwwStamp;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RocksOciIndex}: the {@link OciIndexContract}, one event per mutation in the same batch,
 * and the remote-apply rules: tags, manifests and links are last-writer-wins by (HLC, origin
 * region, origin node), deletes are tombstones, so every arrival order of the same events ends in
 * the same state and a replay changes nothing.
 */
class RocksOciIndexTest extends OciIndexContract {
  @TempDir Path dir;
  RocksIndexStore store;
  RocksChangeLog log;
  RocksOciIndex oci;
  private final AtomicLong seq = new AtomicLong();

  @Override
  protected OciIndex newIndex() {
    store = new RocksIndexStore(dir.resolve("idx"));
    log = new RocksChangeLog(store, "local", "eu", 60_000);
    oci = new RocksOciIndex(store, log);
    log.addApplier(oci::applyRemote);
    return oci;
  }

  @AfterEach
  void close() {
    store.close();
  }

  // ---------------------------------------------------------------- events of local writes

  @Test
  void everyMutationWritesItsEventsInTheSameBatch() {
    Digest layer = digest("layer");
    Digest m = digest("m");
    long before = log.lastSeq();
    oci.linkBlob(repo("r"), layer, 3);
    put("r", m, "v1", List.of(layer), List.of());
    put("r", m, "v1", List.of(layer), List.of());
    oci.deleteManifest(repo("r"), m);
    List<ChangeEvent> events = log.readAfter(before, 100);
    assertThat(events)
        .extracting(ChangeEvent::getChangeCase)
        .containsExactly(
            ChangeEvent.ChangeCase.BLOB_LINK_ADDED,
            ChangeEvent.ChangeCase.MANIFEST_PUT,
            ChangeEvent.ChangeCase.BLOB_LINK_ADDED,
            ChangeEvent.ChangeCase.TAG_SET,
            ChangeEvent.ChangeCase.MANIFEST_PUT,
            ChangeEvent.ChangeCase.BLOB_LINK_ADDED,
            ChangeEvent.ChangeCase.TAG_SET,
            ChangeEvent.ChangeCase.MANIFEST_DELETE,
            ChangeEvent.ChangeCase.TAG_DELETE,
            ChangeEvent.ChangeCase.BLOB_LINK_REMOVED);
    assertThat(events).allMatch(e -> e.getKey().equals("oci:r"));
    ChangeEvent put = events.get(1);
    assertThat(put.getManifestPut().getReferencedDigestsList()).containsExactly(layer.toString());
    assertThat(put.getManifestPut().getPullThroughCached()).as("a push is not cached").isFalse();
    assertThat(put.getManifestPut().getStamp().getOriginRegion()).isEqualTo("eu");
    assertThat(put.getManifestPut().getStamp().getOriginNode()).isEqualTo("local");
    assertThat(events.get(3).getTagSet().getStamp()).isEqualTo(put.getManifestPut().getStamp());
    assertThat(
            LwwStamps.ORDER.compare(
                events.get(4).getManifestPut().getStamp(), put.getManifestPut().getStamp()))
        .as("a re-push is a new write")
        .isPositive();
  }

  @Test
  void aCachedManifestWritesTheSameEventsAsAPushAndItsTagCheckWritesNone() {
    Digest layer = digest("layer");
    Digest m = digest("cached");
    long before = log.lastSeq();
    oci.putCachedManifest(
        manifest("hub/r", m, layer),
        Optional.of(io.berth.common.Tag.parse("v1")),
        Optional.of(
            io.berth.proto.index.v1.OciUpstreamTagRecord.newBuilder()
                .setRepository("hub/r")
                .setTag("v1")
                .setDigest(m.toString())
                .setCheckedUnixMillis(1)
                .build()));
    List<ChangeEvent> events = log.readAfter(before, 100);
    assertThat(events)
        .extracting(ChangeEvent::getChangeCase)
        .containsExactly(
            ChangeEvent.ChangeCase.MANIFEST_PUT,
            ChangeEvent.ChangeCase.BLOB_LINK_ADDED,
            ChangeEvent.ChangeCase.TAG_SET);
    assertThat(events.get(0).getManifestPut().getReferencedDigestsList())
        .containsExactly(layer.toString());
    assertThat(events.get(0).getManifestPut().getPullThroughCached())
        .as("marked, so replication requires only the manifest's own bytes")
        .isTrue();
    assertThat(io.berth.common.ChangeEvents.requiredBlobs(events.get(0)))
        .containsExactly(m.toString());
    long after = log.lastSeq();
    oci.putUpstreamTag(
        io.berth.proto.index.v1.OciUpstreamTagRecord.newBuilder()
            .setRepository("hub/r")
            .setTag("v1")
            .setDigest(m.toString())
            .setCheckedUnixMillis(2)
            .build());
    assertThat(log.lastSeq()).as("tag checks are local state").isEqualTo(after);
  }

  @Test
  void marksEveryTagAndManifestAsAnArtifactOfItsOwnLocallyAndWhereApplied() throws Exception {
    Digest layer = digest("layer");
    Digest m1 = digest("m1");
    Digest m2 = digest("m2");
    oci.linkBlob(repo("r"), layer, 3);
    put("r", m1, "v1", List.of(layer), List.of());
    put("r", m2, "v2", List.of(layer), List.of());
    oci.deleteTag(repo("r"), Tag.parse("v2"));
    oci.deleteManifest(repo("r"), m2);
    List<ChangeEvent> events = log.readAfter(0, 100);

    assertThat(log.lastChange("oci:r:v1").orElseThrow().getChange()).isEqualTo("TAG_SET");
    assertThat(log.lastChange("oci:r@" + m1).orElseThrow().getChange()).isEqualTo("MANIFEST_PUT");
    assertThat(log.lastChange("oci:r@" + m1).orElseThrow().getDeleted()).isFalse();
    assertThat(log.lastChange("oci:r:v2").orElseThrow().getDeleted()).isTrue();
    assertThat(log.lastChange("oci:r@" + m2).orElseThrow().getChange())
        .isEqualTo("MANIFEST_DELETE");
    assertThat(log.lastChange("oci:r")).as("the event key is not an artifact").isEmpty();

    try (RocksIndexStore other = new RocksIndexStore(dir.resolve("marks-other"))) {
      RocksChangeLog otherLog = new RocksChangeLog(other, "b", "us", 60_000);
      RocksOciIndex b = new RocksOciIndex(other, otherLog);
      otherLog.addApplier(b::applyRemote);
      for (ChangeEvent e : events) {
        assertThat(otherLog.apply(e)).isEqualTo(ApplyResult.APPLIED);
      }
      var tag = otherLog.lastChange("oci:r:v1").orElseThrow();
      assertThat(tag.getOriginRegion()).isEqualTo("eu");
      assertThat(tag.getDeleted()).isFalse();
      assertThat(otherLog.lastChange("oci:r@" + m1).orElseThrow().getDeleted()).isFalse();
      assertThat(otherLog.lastChange("oci:r:v2").orElseThrow().getDeleted()).isTrue();
      assertThat(otherLog.lastChange("oci:r@" + m2).orElseThrow().getDeleted()).isTrue();

      // an older put of a tag arriving after a newer delete changes neither tag nor mark
      ChangeEvent olderSet =
          events.stream()
              .filter(e -> e.hasTagSet() && e.getTagSet().getTag().equals("v2"))
              .findFirst()
              .orElseThrow();
      try (RocksIndexStore third = new RocksIndexStore(dir.resolve("marks-third"))) {
        RocksChangeLog thirdLog = new RocksChangeLog(third, "c", "ap", 60_000);
        RocksOciIndex c = new RocksOciIndex(third, thirdLog);
        thirdLog.addApplier(c::applyRemote);
        List<ChangeEvent> reversed = new ArrayList<>(events);
        Collections.reverse(reversed);
        for (ChangeEvent e : reversed) {
          thirdLog.apply(e);
        }
        assertThat(thirdLog.apply(olderSet)).isEqualTo(ApplyResult.DUPLICATE);
        assertThat(c.tag(repo("r"), Tag.parse("v2"))).isEmpty();
        assertThat(thirdLog.lastChange("oci:r:v2").orElseThrow().getDeleted())
            .as("the tombstone stays the newest change")
            .isTrue();
        assertThat(thirdLog.lastChange("oci:r@" + m2).orElseThrow().getDeleted()).isTrue();
      }
    }
  }

  @Test
  void eventsOfOneNodeReplayIntoAnotherToTheSameState() throws Exception {
    Digest layer = digest("layer");
    Digest m1 = digest("m1");
    Digest m2 = digest("m2");
    oci.linkBlob(repo("r"), layer, 3);
    put("r", m1, "v1", List.of(layer), List.of());
    put("r", m2, "v1", List.of(), List.of());
    put("r", m2, "v2", List.of(), List.of());
    oci.deleteTag(repo("r"), Tag.parse("v2"));
    oci.unlinkBlob(repo("r"), layer);
    List<ChangeEvent> events = log.readAfter(0, 100);

    try (RocksIndexStore other = new RocksIndexStore(dir.resolve("other"))) {
      RocksChangeLog otherLog = new RocksChangeLog(other, "b", "eu", 60_000);
      RocksOciIndex b = new RocksOciIndex(other, otherLog);
      otherLog.addApplier(b::applyRemote);
      for (ChangeEvent e : events) {
        assertThat(otherLog.apply(e)).isEqualTo(ApplyResult.APPLIED);
      }
      for (ChangeEvent e : events) {
        assertThat(otherLog.apply(e)).isEqualTo(ApplyResult.DUPLICATE);
      }
      assertThat(b.tag(repo("r"), Tag.parse("v1"))).contains(m2);
      assertThat(b.tag(repo("r"), Tag.parse("v2"))).isEmpty();
      assertThat(b.manifest(repo("r"), m1)).isPresent();
      assertThat(b.manifest(repo("r"), m1).get().getReferencedDigestsList())
          .containsExactly(layer.toString());
      assertThat(b.blobLink(repo("r"), layer)).isEmpty();
      assertThat(b.blobLink(repo("r"), m2)).isPresent();
      assertThat(otherLog.lastSeq()).as("applying writes no local events").isZero();

      Hlc applied = otherLog.clock().last();
      b.deleteTag(repo("r"), Tag.parse("v1"));
      ChangeEvent local = otherLog.readAfter(0, 1).get(0);
      assertThat(new Hlc(local.getHlc().getWallMillis(), local.getHlc().getLogical()))
          .as("a local write after applying orders after everything applied")
          .isGreaterThan(applied);
      assertThat(
              LwwStamps.ORDER.compare(
                  local.getTagDelete().getStamp(), events.get(3).getTagSet().getStamp()))
          .isPositive();
    }
  }

  // ---------------------------------------------------------------- LWW in any arrival order

  private ChangeEvent event(
      String region, String node, long wall, int logical, ChangeEvent.Builder change) {
    LwwStamp stamp =
        LwwStamp.newBuilder()
            .setWallMillis(wall)
            .setLogical(logical)
            .setOriginRegion(region)
            .setOriginNode(node)
            .build();
    ChangeEvent.Builder b =
        change
            .setSchema(1)
            .setOriginRegion(region)
            .setOriginNode(node)
            .setSeq(seq.incrementAndGet())
            .setHlc(
                io.berth.proto.events.v1.Hlc.newBuilder().setWallMillis(wall).setLogical(logical));
    switch (b.getChangeCase()) {
      case TAG_SET -> b.setTagSet(b.getTagSet().toBuilder().setStamp(stamp));
      case TAG_DELETE -> b.setTagDelete(b.getTagDelete().toBuilder().setStamp(stamp));
      case MANIFEST_PUT -> b.setManifestPut(b.getManifestPut().toBuilder().setStamp(stamp));
      case MANIFEST_DELETE ->
          b.setManifestDelete(b.getManifestDelete().toBuilder().setStamp(stamp));
      case BLOB_LINK_ADDED -> b.setBlobLinkAdded(b.getBlobLinkAdded().toBuilder().setStamp(stamp));
      case BLOB_LINK_REMOVED ->
          b.setBlobLinkRemoved(b.getBlobLinkRemoved().toBuilder().setStamp(stamp));
      default -> throw new IllegalArgumentException();
    }
    return b.build();
  }

  private static ChangeEvent.Builder tagSet(String repo, String tag, Digest d) {
    return ChangeEvent.newBuilder()
        .setKey("oci:" + repo)
        .setTagSet(TagSet.newBuilder().setRepository(repo).setTag(tag).setDigest(d.toString()));
  }

  private static ChangeEvent.Builder tagDelete(String repo, String tag) {
    return ChangeEvent.newBuilder()
        .setKey("oci:" + repo)
        .setTagDelete(TagDelete.newBuilder().setRepository(repo).setTag(tag));
  }

  private static LwwStamp stampOf(ChangeEvent e) {
    return switch (e.getChangeCase()) {
      case TAG_SET -> e.getTagSet().getStamp();
      case TAG_DELETE -> e.getTagDelete().getStamp();
      case MANIFEST_PUT -> e.getManifestPut().getStamp();
      case MANIFEST_DELETE -> e.getManifestDelete().getStamp();
      case BLOB_LINK_ADDED -> e.getBlobLinkAdded().getStamp();
      case BLOB_LINK_REMOVED -> e.getBlobLinkRemoved().getStamp();
      default -> throw new IllegalArgumentException();
    };
  }

  private static <T> void permutations(List<T> items, int k, List<List<T>> out) {
    if (k == items.size()) {
      out.add(new ArrayList<>(items));
      return;
    }
    for (int i = k; i < items.size(); i++) {
      Collections.swap(items, k, i);
      permutations(items, k + 1, out);
      Collections.swap(items, k, i);
    }
  }

  /** The events of one tag, renamed to {@code tag}. */
  private List<ChangeEvent> tagHistory(String tag, boolean deleteLast) {
    Digest d1 = digest("d1");
    Digest d2 = digest("d2");
    Digest d3 = digest("d3");
    List<ChangeEvent> h = new ArrayList<>();
    h.add(event("eu", "a", 1000, 0, tagSet("r", tag, d1)));
    h.add(event("us", "x", 1000, 0, tagSet("r", tag, d2)));
    h.add(event("eu", "b", 1000, 1, tagDelete("r", tag)));
    h.add(event("us", "x", 1001, 0, tagSet("r", tag, d3)));
    if (deleteLast) {
      h.add(event("eu", "a", 1002, 0, tagDelete("r", tag)));
    } else {
      h.add(event("ap", "z", 999, 5, tagSet("r", tag, d1)));
    }
    return h;
  }

  /** The event of a tag's history that must win: the greatest stamp. */
  private static ChangeEvent winnerOf(List<ChangeEvent> history) {
    return history.stream()
        .max(Comparator.comparing(RocksOciIndexTest::stampOf, LwwStamps.ORDER))
        .get();
  }

  /** Every order in which the five events of {@link #tagHistory} can arrive. */
  private static List<List<Integer>> arrivalOrders() {
    List<List<Integer>> orders = new ArrayList<>();
    permutations(new ArrayList<>(List.of(0, 1, 2, 3, 4)), 0, orders);
    return orders;
  }

  /** {@code tag} holds what {@code winner} says: deleted, or its digest. */
  private void assertConverged(String tag, ChangeEvent winner, List<Integer> order) {
    Optional<Digest> current = oci.tag(repo("r"), Tag.parse(tag));
    if (winner.hasTagDelete()) {
      assertThat(current).as("order " + order + ": an older set never resurrects").isEmpty();
    } else {
      assertThat(current)
          .as("order " + order)
          .contains(Digest.parse(winner.getTagSet().getDigest()));
    }
  }

  @Test
  void tagsConvergeToTheGreatestStampInEveryArrivalOrder() {
    for (boolean deleteLast : List.of(true, false)) {
      ChangeEvent winner = winnerOf(tagHistory("t", deleteLast));
      List<List<Integer>> orders = arrivalOrders();
      assertThat(orders).hasSize(120);
      int n = 0;
      for (List<Integer> order : orders) {
        String tag = "t" + (deleteLast ? "d" : "s") + n++;
        List<ChangeEvent> events = tagHistory(tag, deleteLast);
        for (int i : order) {
          ApplyResult r = log.apply(events.get(i));
          assertThat(r).isIn(ApplyResult.APPLIED, ApplyResult.SUPERSEDED);
        }
        for (ChangeEvent e : events) {
          assertThat(log.apply(e)).isEqualTo(ApplyResult.DUPLICATE);
        }
        assertConverged(tag, winner, order);
      }
    }
  }

  @Test
  void tagsConvergeTheSameWhenEachArrivalOrderIsAppliedAsOneBatch() {
    for (boolean deleteLast : List.of(true, false)) {
      ChangeEvent winner = winnerOf(tagHistory("t", deleteLast));
      List<List<Integer>> orders = arrivalOrders();
      int n = 0;
      for (List<Integer> order : orders) {
        String tag = "b" + (deleteLast ? "d" : "s") + n++;
        List<ChangeEvent> events = tagHistory(tag, deleteLast);
        List<ChangeEvent> batch = new ArrayList<>();
        for (int i : order) {
          batch.add(events.get(i));
        }
        // the last event again: a duplicate within the same batch
        batch.add(batch.get(batch.size() - 1));
        List<ApplyResult> results = new ArrayList<>();
        log.applyAll(batch, (e, r) -> results.add(r));
        assertThat(results.subList(0, 5))
            .allSatisfy(r -> assertThat(r).isIn(ApplyResult.APPLIED, ApplyResult.SUPERSEDED));
        assertThat(results.get(5)).isEqualTo(ApplyResult.DUPLICATE);
        assertConverged(tag, winner, order);
      }
    }
  }

  @Test
  void aRepushWinsOverAnOlderRemoteDeleteThatArrivesLater() {
    Digest m = digest("repushed");
    put("r", m, "v1", List.of(), List.of());
    LwwStamp first = oci.manifest(repo("r"), m).get().getStamp();
    put("r", m, "v1", List.of(), List.of());
    LwwStamp second = oci.manifest(repo("r"), m).get().getStamp();
    // made on another node between the two pushes: after the first, before the second
    long wall = first.getWallMillis();
    int logical = first.getLogical();
    ChangeEvent delete = event("eu", "other", wall, logical, manifestDelete("r", m));
    ChangeEvent retag = event("eu", "other", wall, logical, tagSet("r", "v1", digest("x")));
    assertThat(LwwStamps.ORDER.compare(stampOf(delete), first)).isPositive();
    assertThat(LwwStamps.ORDER.compare(stampOf(delete), second)).isNegative();
    assertThat(log.apply(delete)).isEqualTo(ApplyResult.SUPERSEDED);
    assertThat(log.apply(retag)).isEqualTo(ApplyResult.SUPERSEDED);
    assertThat(oci.manifest(repo("r"), m)).isPresent();
    assertThat(oci.tag(repo("r"), Tag.parse("v1"))).contains(m);
  }

  @Test
  void equalClocksAreOrderedByRegionThenNode() {
    Digest eu = digest("eu");
    Digest us = digest("us");
    ChangeEvent fromEu = event("eu", "n1", 5000, 3, tagSet("r", "tie", eu));
    ChangeEvent fromUs = event("us", "n1", 5000, 3, tagSet("r", "tie", us));
    assertThat(log.apply(fromUs)).isEqualTo(ApplyResult.APPLIED);
    assertThat(log.apply(fromEu)).isEqualTo(ApplyResult.SUPERSEDED);
    assertThat(oci.tag(repo("r"), Tag.parse("tie"))).contains(us);

    ChangeEvent n1 = event("eu", "n1", 6000, 0, tagSet("r", "tie2", eu));
    ChangeEvent n2 = event("eu", "n2", 6000, 0, tagSet("r", "tie2", us));
    assertThat(log.apply(n1)).isEqualTo(ApplyResult.APPLIED);
    assertThat(log.apply(n2)).isEqualTo(ApplyResult.APPLIED);
    assertThat(oci.tag(repo("r"), Tag.parse("tie2"))).contains(us);
  }

  @Test
  void localWritesAreOverriddenOnlyByNewerRemoteWrites() {
    Digest local = digest("local");
    Digest remote = digest("remote");
    put("r", local, "v1", List.of(), List.of());
    long now = oci.manifest(repo("r"), local).get().getStamp().getWallMillis();
    ChangeEvent older = event("us", "x", now - 10_000, 0, tagSet("r", "v1", remote));
    assertThat(log.apply(older)).isEqualTo(ApplyResult.SUPERSEDED);
    assertThat(oci.tag(repo("r"), Tag.parse("v1"))).contains(local);
    ChangeEvent newer = event("us", "x", now + 10_000, 0, tagSet("r", "v1", remote));
    assertThat(log.apply(newer)).isEqualTo(ApplyResult.APPLIED);
    assertThat(oci.tag(repo("r"), Tag.parse("v1"))).contains(remote);
    assertThat(oci.deleteTag(repo("r"), Tag.parse("v1"))).isTrue();
    assertThat(log.apply(event("us", "x", now + 5_000, 0, tagSet("r", "v1", local))))
        .as("a local delete after observing the remote write wins over older writes")
        .isEqualTo(ApplyResult.SUPERSEDED);
    assertThat(oci.tag(repo("r"), Tag.parse("v1"))).isEmpty();
  }

  private static ChangeEvent.Builder manifestPut(String repo, Digest d, Digest subject) {
    return ChangeEvent.newBuilder()
        .setKey("oci:" + repo)
        .setManifestPut(
            ManifestPut.newBuilder()
                .setRepository(repo)
                .setDigest(d.toString())
                .setMediaType("application/vnd.oci.image.manifest.v1+json")
                .setSize(10)
                .setSubjectDigest(subject.toString())
                .setArtifactType("application/x"));
  }

  private static ChangeEvent.Builder manifestDelete(String repo, Digest d) {
    return ChangeEvent.newBuilder()
        .setKey("oci:" + repo)
        .setManifestDelete(ManifestDelete.newBuilder().setRepository(repo).setDigest(d.toString()));
  }

  @Test
  void manifestsAndTheirReferrersConvergeInEveryArrivalOrder() {
    Digest subject = digest("subject");
    List<List<Integer>> orders = new ArrayList<>();
    permutations(new ArrayList<>(List.of(0, 1, 2, 3)), 0, orders);
    int n = 0;
    for (List<Integer> order : orders) {
      String repo = "m" + n++;
      Digest d = digest(repo);
      List<ChangeEvent> events =
          List.of(
              event("eu", "a", 100, 0, manifestPut(repo, d, subject)),
              event("eu", "b", 200, 0, manifestDelete(repo, d)),
              event("us", "x", 300, 0, manifestPut(repo, d, subject)),
              event("us", "y", 250, 0, manifestDelete(repo, d)));
      for (int i : order) {
        log.apply(events.get(i));
      }
      assertThat(oci.manifest(repo(repo), d)).as("order " + order).isPresent();
      assertThat(oci.referrers(repo(repo), subject)).as("order " + order).hasSize(1);
    }
    n = 0;
    for (List<Integer> order : orders) {
      String repo = "del" + n++;
      Digest d = digest(repo);
      List<ChangeEvent> events =
          List.of(
              event("eu", "a", 100, 0, manifestPut(repo, d, subject)),
              event("eu", "b", 400, 0, manifestDelete(repo, d)),
              event("us", "x", 300, 0, manifestPut(repo, d, subject)),
              event("us", "y", 250, 0, manifestDelete(repo, d)));
      for (int i : order) {
        log.apply(events.get(i));
      }
      assertThat(oci.manifest(repo(repo), d)).as("order " + order).isEmpty();
      assertThat(oci.referrers(repo(repo), subject)).as("order " + order).isEmpty();
      assertThat(oci.repositoryExists(repo(repo))).isFalse();
    }
  }

  @Test
  void blobLinksConvergeInRandomArrivalOrders() {
    Random rnd = new Random(5);
    Digest d = digest("blob");
    for (int round = 0; round < 50; round++) {
      String repo = "l" + round;
      List<ChangeEvent> events = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        long wall = 1000 + rnd.nextInt(5);
        String node = "n" + rnd.nextInt(3);
        events.add(
            i % 2 == 0
                ? event(
                    "eu",
                    node,
                    wall,
                    i,
                    ChangeEvent.newBuilder()
                        .setKey("oci:" + repo)
                        .setBlobLinkAdded(
                            BlobLinkAdded.newBuilder()
                                .setRepository(repo)
                                .setDigest(d.toString())
                                .setSize(7)))
                : event(
                    "eu",
                    node,
                    wall,
                    i,
                    ChangeEvent.newBuilder()
                        .setKey("oci:" + repo)
                        .setBlobLinkRemoved(
                            BlobLinkRemoved.newBuilder()
                                .setRepository(repo)
                                .setDigest(d.toString()))));
      }
      ChangeEvent winner =
          events.stream()
              .max(Comparator.comparing(RocksOciIndexTest::stampOf, LwwStamps.ORDER))
              .get();
      Collections.shuffle(events, rnd);
      for (ChangeEvent e : events) {
        log.apply(e);
      }
      assertThat(oci.blobLink(repo(repo), d).isPresent())
          .as("round " + round)
          .isEqualTo(winner.hasBlobLinkAdded());
    }
  }

  @Test
  void eventsWithoutAStampUseTheEventClockAndOrigin() {
    Digest d1 = digest("1");
    Digest d2 = digest("2");
    ChangeEvent a =
        ChangeEvent.newBuilder()
            .setSchema(1)
            .setOriginRegion("eu")
            .setOriginNode("old")
            .setSeq(1)
            .setHlc(io.berth.proto.events.v1.Hlc.newBuilder().setWallMillis(10))
            .setKey("oci:r")
            .setTagSet(
                TagSet.newBuilder().setRepository("r").setTag("legacy").setDigest(d1.toString()))
            .build();
    ChangeEvent b =
        a.toBuilder()
            .setSeq(2)
            .setHlc(io.berth.proto.events.v1.Hlc.newBuilder().setWallMillis(20))
            .setTagSet(
                TagSet.newBuilder().setRepository("r").setTag("legacy").setDigest(d2.toString()))
            .build();
    assertThat(log.apply(b)).isEqualTo(ApplyResult.APPLIED);
    assertThat(log.apply(a)).isEqualTo(ApplyResult.SUPERSEDED);
    assertThat(oci.tag(RepositoryName.parse("r"), Tag.parse("legacy"))).contains(d2);
  }
}
