package io.berth.node.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.node.events.ChangePublisher;
import io.berth.node.index.InMemoryLinkFenceStore;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksModuleIndex;
import io.berth.node.index.rocksdb.RocksSumdbIndex;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.file.FileBlobStore;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.events.v1.Hlc;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReplicationServiceTest {
  @TempDir Path dir;
  FileBlobStore blobs;
  RocksIndexStore index;
  RocksChangeLog changes;
  RocksModuleIndex modules;
  LinkFences fences;
  SimpleMeterRegistry metrics = new SimpleMeterRegistry();
  final List<ChangeEvent> published = new ArrayList<>();
  ReplicationService service;

  @BeforeEach
  void setUp() {
    blobs = new FileBlobStore(dir.resolve("blobs"), "t");
    index = new RocksIndexStore(dir.resolve("index"));
    changes = new RocksChangeLog(index, "us-1", "us", 60_000);
    modules = new RocksModuleIndex(index, changes);
    changes.attach(modules, new RocksSumdbIndex(index, changes));
    fences = new LinkFences(new InMemoryLinkFenceStore(), metrics);
    ChangePublisher log =
        new ChangePublisher() {
          @Override
          public void publish(List<ChangeEvent> events) {
            published.addAll(events);
          }

          @Override
          public void close() {}
        };
    service = new ReplicationService(blobs, changes, log, fences, metrics);
  }

  @AfterEach
  void tearDown() {
    index.close();
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String digest(byte[] b) {
    return Digest.of(Digest.Algorithm.SHA256, sha256(b)).toString();
  }

  static byte[] sha256(byte[] b) {
    return Digest.Algorithm.SHA256.newMessageDigest().digest(b);
  }

  long tempFiles() throws IOException {
    try (var s = Files.list(blobs.tempDirectory())) {
      return s.count();
    }
  }

  double counter(String name, String tagKey, String tagValue) {
    var c = metrics.find(name).tag(tagKey, tagValue).counter();
    return c == null ? 0 : c.count();
  }

  @Test
  void storesAVerifiedBlobAndAnswersWhatIsMissing() throws Exception {
    byte[] b = bytes("hello replication");
    String d = digest(b);
    assertThat(service.missing(List.of(d))).containsExactly(d);
    var o = service.write("eu->us", 5, d, b.length, new ByteArrayInputStream(b), s -> {});
    assertThat(o.alreadyPresent()).isFalse();
    assertThat(o.size()).isEqualTo(b.length);
    assertThat(service.missing(List.of(d))).isEmpty();
    var again = service.write("eu->us", 5, d, b.length, new ByteArrayInputStream(b), s -> {});
    assertThat(again.alreadyPresent()).isTrue();
    try (InputStream in = service.read(d, 6).orElseThrow().stream()) {
      assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("replication");
    }
    assertThat(service.read(digest(bytes("other")), 0)).isEmpty();
    assertThatThrownBy(() -> service.read(d, b.length + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aPresentOrphanIsTouchedSoGcKeepsItUntilTheEventsArrive() throws Exception {
    byte[] b = bytes("an old orphan of the target region");
    Digest d =
        blobs.put(new ByteArrayInputStream(b), io.berth.node.storage.PutExpectation.any()).digest();
    long old = System.currentTimeMillis() - 7_200_000;
    Files.setLastModifiedTime(blobs.pathOf(d), java.nio.file.attribute.FileTime.fromMillis(old));
    assertThat(service.missing(List.of(d.toString()))).isEmpty();
    assertThat(blobs.stat(d).orElseThrow().modifiedMillis())
        .as("its grace period starts again")
        .isGreaterThan(old + 3_600_000);
    Files.setLastModifiedTime(blobs.pathOf(d), java.nio.file.attribute.FileTime.fromMillis(old));
    service.beginTerm("eu->us", 1);
    assertThat(
            service
                .write("eu->us", 1, d.toString(), b.length, InputStream.nullInputStream(), e -> {})
                .alreadyPresent())
        .isTrue();
    assertThat(blobs.stat(d).orElseThrow().modifiedMillis()).isGreaterThan(old + 3_600_000);
  }

  @Test
  void aMismatchStoresNothingAndLeavesNoGarbage() throws Exception {
    byte[] b = bytes("the real content");
    String d = digest(b);
    byte[] evil = bytes("the fake content");
    assertThatThrownBy(
            () ->
                service.write("eu->us", 1, d, evil.length, new ByteArrayInputStream(evil), s -> {}))
        .isInstanceOf(BlobRejectedException.class);
    assertThatThrownBy(
            () -> service.write("eu->us", 1, d, b.length + 3, new ByteArrayInputStream(b), s -> {}))
        .isInstanceOf(BlobRejectedException.class);
    assertThat(blobs.stat(Digest.parse(d))).isEmpty();
    assertThat(tempFiles()).isZero();
    assertThat(counter("berth_replication_blobs_received", "result", "rejected")).isEqualTo(2);
  }

  @Test
  void aStaleEpochIsRefusedAndCounted() throws Exception {
    byte[] b = bytes("x");
    service.beginTerm("eu->us", 20);
    assertThatThrownBy(
            () -> service.write("eu->us", 19, digest(b), 1, new ByteArrayInputStream(b), s -> {}))
        .isInstanceOf(StaleEpochException.class)
        .hasMessageContaining("stale epoch 19");
    assertThatThrownBy(() -> service.republish("eu->us", 3, List.of()))
        .isInstanceOf(StaleEpochException.class);
    assertThatThrownBy(() -> service.beginTerm("eu->us", 2))
        .isInstanceOf(StaleEpochException.class);
    assertThat(fences.rejected("eu->us")).isEqualTo(3);
    assertThat(counter("berth_replication_stale_writes_rejected", "link", "eu->us")).isEqualTo(3);
    assertThat(fences.rejected("us->eu")).isZero();
    assertThat(blobs.stat(Digest.parse(digest(b)))).isEmpty();
  }

  @Test
  void aNewerOwnerAbortsAnInFlightWriteOfTheOldOne() throws Exception {
    byte[] b = new byte[3 * 1024 * 1024];
    new java.util.Random(1).nextBytes(b);
    String d = digest(b);
    CountDownLatch halfway = new CountDownLatch(1);
    CompletableFuture<Exception> failed = new CompletableFuture<>();
    // a stream that delivers half, then blocks until aborted (a paused stale owner)
    CompletableFuture<Void> aborted = new CompletableFuture<>();
    InputStream paused =
        new InputStream() {
          int pos;

          @Override
          public int read() {
            throw new UnsupportedOperationException();
          }

          @Override
          public int read(byte[] buf, int off, int len) throws IOException {
            if (pos >= b.length / 2) {
              halfway.countDown();
              try {
                aborted.get(30, TimeUnit.SECONDS);
              } catch (Exception e) {
                throw new IOException("aborted", e.getCause());
              }
            }
            int n = Math.min(len, b.length / 2 - pos);
            System.arraycopy(b, pos, buf, off, n);
            pos += n;
            return n;
          }
        };
    Thread writer =
        new Thread(
            () -> {
              try {
                service.write(
                    "eu->us", 7, d, b.length, paused, s -> aborted.completeExceptionally(s));
                failed.complete(null);
              } catch (Exception e) {
                failed.complete(e);
              }
            });
    writer.start();
    assertThat(halfway.await(30, TimeUnit.SECONDS)).isTrue();
    assertThat(service.beginTerm("eu->us", 8)).as("aborted in-flight writes").isEqualTo(1);
    Exception e = failed.get(30, TimeUnit.SECONDS);
    assertThat(e).isInstanceOf(StaleEpochException.class);
    assertThat(blobs.stat(Digest.parse(d))).isEmpty();
    assertThat(tempFiles()).isZero();
    assertThat(fences.rejected("eu->us")).isEqualTo(1);
    // the new owner's write of the same blob goes through
    assertThat(service.write("eu->us", 8, d, b.length, new ByteArrayInputStream(b), s -> {}).size())
        .isEqualTo(b.length);
  }

  static ChangeEvent goEvent(String region, String node, long seq, String zip) {
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion(region)
        .setOriginNode(node)
        .setSeq(seq)
        .setHlc(Hlc.newBuilder().setWallMillis(System.currentTimeMillis()))
        .setKey("go:corp.example.com/m@v1.0." + seq)
        .setGoVersionStored(
            GoVersionStored.newBuilder()
                .setRecord(
                    ModuleVersionRecord.newBuilder()
                        .setModulePath("corp.example.com/m")
                        .setVersion("v1.0." + seq)
                        .setZipDigest(zip)))
        .build();
  }

  @Test
  void manyDigestsAreCheckedAtOnceAndAnswerInTheGivenOrder() throws Exception {
    List<String> asked = new ArrayList<>();
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      byte[] b = bytes("blob " + i);
      if (i % 3 == 0) {
        store(b);
      } else {
        expected.add(digest(b));
      }
      asked.add(digest(b));
    }
    assertThat(service.missing(asked)).containsExactlyElementsOf(expected);
    assertThatThrownBy(() -> service.missing(List.of(asked.get(0), "sha256:nope")))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /**
   * A blob another writer stored moments ago (a link copying straight into the bucket while the
   * nodes were down) is only looked up: its time is already within the verified window, and on S3 a
   * touch is a copy of the whole blob onto itself.
   */
  @Test
  void aBlobStoredMomentsAgoByAnotherWriterIsFoundWithoutATouch() throws Exception {
    byte[] b = bytes("copied into the bucket by a link a few seconds ago");
    Digest d =
        blobs.put(new ByteArrayInputStream(b), io.berth.node.storage.PutExpectation.any()).digest();
    long recent = System.currentTimeMillis() - 5_000;
    Files.setLastModifiedTime(blobs.pathOf(d), java.nio.file.attribute.FileTime.fromMillis(recent));
    assertThat(service.missing(List.of(d.toString()))).isEmpty();
    assertThat(blobs.stat(d).orElseThrow().modifiedMillis())
        .as("found, not touched")
        .isEqualTo(recent);
  }

  /**
   * The link owner writes the blobs find-missing just reported absent: the write does not look each
   * one up again (on S3 a second HEAD answering 404), and if another writer stored it in between,
   * the same verified bytes are stored over it. Without that report, a blob the node holds is still
   * found before its stream is read.
   */
  @Test
  void aBlobJustReportedMissingIsWrittenWithoutASecondLookup() throws Exception {
    CountingStore counting = new CountingStore(blobs);
    ReplicationService s =
        new ReplicationService(
            counting,
            changes,
            new LocalApplyPublisher(changes),
            new LinkFences(new InMemoryLinkFenceStore(), new SimpleMeterRegistry()),
            new SimpleMeterRegistry());
    byte[] b = bytes("reported missing, then copied");
    String d = digest(b);
    assertThat(s.missing(List.of(d))).containsExactly(d);
    counting.stats.set(0);
    var o = s.write("eu->us", 1, d, b.length, new ByteArrayInputStream(b), x -> {});
    assertThat(o.alreadyPresent()).isFalse();
    assertThat(counting.stats.get() + counting.touches.get())
        .as("no lookup before the put")
        .isZero();
    assertThat(s.missing(List.of(d))).isEmpty();

    byte[] raced = bytes("reported missing, then stored by another writer, then copied");
    String r = digest(raced);
    assertThat(s.missing(List.of(r))).containsExactly(r);
    blobs.put(new ByteArrayInputStream(raced), io.berth.node.storage.PutExpectation.any());
    var again = s.write("eu->us", 1, r, raced.length, new ByteArrayInputStream(raced), x -> {});
    assertThat(again.size()).isEqualTo(raced.length);
    try (InputStream in = blobs.open(Digest.parse(r)).orElseThrow().openRange(0, raced.length)) {
      assertThat(in.readAllBytes()).isEqualTo(raced);
    }
    assertThat(tempFiles()).isZero();

    // a write the report does not cover (a retry after the first write took the report) looks first
    counting.stats.set(0);
    counting.touches.set(0);
    InputStream unread =
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError("the stream of a blob the node holds must not be read");
          }
        };
    var present = s.write("eu->us", 1, r, raced.length, unread, x -> {});
    assertThat(present.alreadyPresent()).isTrue();
    assertThat(counting.stats.get() + counting.touches.get()).isPositive();
  }

  @Test
  void aBlobVerifiedPresentIsNotTouchedAgainWithinTheVerifiedWindow() throws Exception {
    byte[] b = bytes("checked once by find-missing, again by republish");
    Digest d =
        blobs.put(new ByteArrayInputStream(b), io.berth.node.storage.PutExpectation.any()).digest();
    assertThat(service.missing(List.of(d.toString()))).isEmpty();
    long old = System.currentTimeMillis() - 7_200_000;
    Files.setLastModifiedTime(blobs.pathOf(d), java.nio.file.attribute.FileTime.fromMillis(old));
    assertThat(service.missing(List.of(d.toString()))).isEmpty();
    assertThat(blobs.stat(d).orElseThrow().modifiedMillis())
        .as(
            "touched %s ago already: no second touch (on S3 a copy onto itself)",
            ReplicationService.VERIFIED_FOR)
        .isEqualTo(old);
    assertThat(ReplicationService.VERIFIED_FOR)
        .as("far below the GC grace period, so the skipped touch cannot let GC sweep it")
        .isLessThan(java.time.Duration.ofMinutes(10));
  }

  @Test
  void republishesOnlyEventsWhoseBlobsAreStoredAndNotHeldYet() throws Exception {
    byte[] zip = bytes("zip bytes");
    String d = digest(zip);
    ChangeEvent e1 = goEvent("eu", "eu-1", 1, d);
    assertThatThrownBy(() -> service.republish("eu->us", 1, List.of(e1)))
        .isInstanceOf(MissingBlobsException.class)
        .hasMessageContaining(d);
    assertThat(published).as("invariant 2: nothing republished").isEmpty();
    service.write("eu->us", 1, d, zip.length, new ByteArrayInputStream(zip), s -> {});
    var o = service.republish("eu->us", 1, List.of(e1));
    assertThat(o.published()).isEqualTo(1);
    assertThat(published).containsExactly(e1);
    assertThat(published.get(0).getOriginRegion()).as("origin kept").isEqualTo("eu");
    // once applied here (it came back through the region log), a repeat is skipped
    changes.apply(e1);
    var again = service.republish("eu->us", 1, List.of(e1));
    assertThat(again.published()).isZero();
    assertThat(again.skipped()).isEqualTo(1);
    assertThat(published).hasSize(1);
  }

  ChangeEvent ociPut(long seq, String repo, byte[] manifest, String... refs) {
    return ChangeEvent.newBuilder()
        .setOriginRegion("eu")
        .setOriginNode("eu-1")
        .setSeq(seq)
        .setHlc(io.berth.proto.events.v1.Hlc.newBuilder().setWallMillis(1000 + seq))
        .setKey("oci:" + repo)
        .setManifestPut(
            io.berth.proto.events.v1.ManifestPut.newBuilder()
                .setRepository(repo)
                .setDigest(digest(manifest))
                .setMediaType("application/vnd.oci.image.manifest.v1+json")
                .setSize(manifest.length)
                .addAllReferencedDigests(List.of(refs)))
        .build();
  }

  void store(byte[] b) throws IOException {
    service.write("eu->us", 1, digest(b), b.length, new ByteArrayInputStream(b), s -> {});
  }

  @Test
  void anOciManifestCrossesOnlyWithItsOwnBlobConfigLayersAndForAnIndexItsChildren()
      throws Exception {
    byte[] config = bytes("config");
    byte[] layer = bytes("layer");
    byte[] child = bytes("child manifest");
    byte[] index = bytes("index manifest");
    ChangeEvent image = ociPut(1, "team/app", child, digest(config), digest(layer));
    ChangeEvent list = ociPut(2, "team/app", index, digest(child));
    assertThat(io.berth.common.ChangeEvents.requiredBlobs(image))
        .containsExactly(digest(child), digest(config), digest(layer));
    assertThat(io.berth.common.ChangeEvents.requiredBlobs(list))
        .containsExactly(digest(index), digest(child));

    store(config);
    store(child);
    store(index);
    assertThatThrownBy(() -> service.republish("eu->us", 1, List.of(image, list)))
        .as("the child image lacks a layer: the batch (child, then index) is refused whole")
        .isInstanceOf(MissingBlobsException.class)
        .hasMessageContaining(digest(layer));
    assertThat(published).as("invariant 2 on the target: nothing republished").isEmpty();
    store(layer);
    assertThat(service.republish("eu->us", 1, List.of(image, list)).published()).isEqualTo(2);
    assertThat(published).containsExactly(image, list);
  }

  @Test
  void withoutARegionLogRepublishedEventsApplyLocally() throws Exception {
    ReplicationService local =
        new ReplicationService(
            blobs, changes, new LocalApplyPublisher(changes), fences, new SimpleMeterRegistry());
    byte[] zip = bytes("zip 2");
    String d = digest(zip);
    local.write("eu->us", 1, d, zip.length, new ByteArrayInputStream(zip), s -> {});
    ChangeEvent e = goEvent("eu", "eu-1", 2, d);
    local.republish("eu->us", 1, List.of(e));
    assertThat(modules.get(io.berth.common.ModulePath.of("corp.example.com/m"), "v1.0.2"))
        .isPresent();
    assertThat(changes.holds(e)).isTrue();
    assertThat(changes.lastChange(e.getKey()).orElseThrow().getOriginRegion()).isEqualTo("eu");
  }

  /** Counts the store's lookups (stats and touches) and the size hints it was given. */
  static final class CountingStore extends io.berth.node.storage.ForwardingBlobStore {
    final java.util.concurrent.atomic.AtomicInteger stats =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.concurrent.atomic.AtomicInteger touches =
        new java.util.concurrent.atomic.AtomicInteger();
    final java.util.Map<Digest, Long> sizes = new java.util.concurrent.ConcurrentHashMap<>();

    CountingStore(io.berth.node.storage.BlobStore delegate) {
      super(delegate);
    }

    @Override
    public java.util.Optional<io.berth.node.storage.StoredBlob> stat(Digest digest) {
      stats.incrementAndGet();
      return super.stat(digest);
    }

    @Override
    public boolean touch(Digest digest) {
      touches.incrementAndGet();
      return super.touch(digest);
    }

    @Override
    public void sizeSeen(Digest digest, long size) {
      sizes.put(digest, size);
    }
  }

  ReplicationService serviceOver(io.berth.node.storage.BlobStore store, java.time.Duration grace) {
    return new ReplicationService(
        store,
        store,
        changes,
        new ChangePublisher() {
          @Override
          public void publish(List<ChangeEvent> events) {
            published.addAll(events);
          }

          @Override
          public void close() {}
        },
        fences,
        metrics,
        grace);
  }

  /** Ten layers written straight into the bucket by the link, and a manifest naming them all. */
  record BucketCopy(ChangeEvent event, List<ReplicationService.StatedWrite> stated) {}

  BucketCopy copiedIntoTheBucket(String name, long writtenMillis) throws IOException {
    List<String> refs = new ArrayList<>();
    List<ReplicationService.StatedWrite> stated = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      byte[] layer = bytes(name + " layer " + i);
      Digest d =
          blobs
              .put(new ByteArrayInputStream(layer), io.berth.node.storage.PutExpectation.any())
              .digest();
      refs.add(d.toString());
      stated.add(new ReplicationService.StatedWrite(d, layer.length, writtenMillis));
    }
    byte[] manifest = bytes("{\"manifest\":\"" + name + "\"}");
    Digest m =
        blobs
            .put(new ByteArrayInputStream(manifest), io.berth.node.storage.PutExpectation.any())
            .digest();
    stated.add(new ReplicationService.StatedWrite(m, manifest.length, writtenMillis));
    return new BucketCopy(ociPut(1, "team/" + name, manifest, refs.toArray(new String[0])), stated);
  }

  /**
   * ADR 0024: blobs the link owner states it wrote into this region's bucket moments ago are taken
   * as stored after two spot checks, instead of one store lookup each (on S3 a HEAD each, which
   * took seconds for the first hand-over after a region's restart).
   */
  @Test
  void recentBucketWritesStatedByTheLinkOwnerAreTrustedAfterSpotChecks() throws Exception {
    CountingStore store = new CountingStore(blobs);
    ReplicationService s = serviceOver(store, java.time.Duration.ofHours(24));
    BucketCopy copy = copiedIntoTheBucket("stated", System.currentTimeMillis() - 90_000);
    var o = s.republish("eu->us", 1, List.of(copy.event()), copy.stated());
    assertThat(o.published()).isEqualTo(1);
    assertThat(published).containsExactly(copy.event());
    assertThat(store.stats.get())
        .as("only the spot checks asked the store, not each of the 11 blobs")
        .isEqualTo(ReplicationService.STATED_WRITES_SPOT_CHECKS);
    assertThat(store.sizes)
        .as("the stated sizes go to the store's size cache")
        .hasSize(11)
        .containsEntry(copy.stated().get(3).digest(), copy.stated().get(3).size());
    assertThat(counter("berth_replication_stated_writes", "result", "trusted")).isEqualTo(11);
  }

  @Test
  void aStatementRefutedByASpotCheckIsIgnoredAndEveryBlobIsChecked() throws Exception {
    CountingStore store = new CountingStore(blobs);
    ReplicationService s = serviceOver(store, java.time.Duration.ofHours(24));
    BucketCopy copy = copiedIntoTheBucket("refuted", System.currentTimeMillis());
    // the link wrote into another bucket: the first stated blob is not in this region's store
    Digest gone = copy.stated().get(0).digest();
    Files.delete(blobs.pathOf(gone));
    assertThatThrownBy(() -> s.republish("eu->us", 1, List.of(copy.event()), copy.stated()))
        .isInstanceOf(MissingBlobsException.class)
        .hasMessageContaining(gone.toString());
    assertThat(published).as("invariant 2: nothing republished").isEmpty();
    assertThat(counter("berth_replication_stated_writes", "result", "refuted")).isEqualTo(11);
    assertThat(counter("berth_replication_stated_writes", "result", "trusted")).isZero();
  }

  @Test
  void aStatedWriteOlderThanTheTrustWindowIsCheckedInTheStore() throws Exception {
    CountingStore store = new CountingStore(blobs);
    // a 20-minute grace period: a stated write counts for 5 minutes at most
    ReplicationService s = serviceOver(store, java.time.Duration.ofMinutes(20));
    BucketCopy copy = copiedIntoTheBucket("old", System.currentTimeMillis() - 6 * 60_000);
    assertThat(s.republish("eu->us", 1, List.of(copy.event()), copy.stated()).published())
        .isEqualTo(1);
    assertThat(store.stats.get()).as("each of the 11 blobs looked up").isEqualTo(11);
    assertThat(counter("berth_replication_stated_writes", "result", "trusted")).isZero();
    // and a statement stamped far in the future (a clock problem) is not trusted either
    published.clear();
    CountingStore other = new CountingStore(blobs);
    BucketCopy later = copiedIntoTheBucket("future", System.currentTimeMillis() + 3_600_000);
    serviceOver(other, java.time.Duration.ofHours(24))
        .republish("eu->us", 1, List.of(later.event()), later.stated());
    assertThat(other.stats.get()).isEqualTo(11);
  }

  @Test
  void malformedRequestsAreRefused() {
    assertThatThrownBy(() -> service.missing(List.of("md5:abc")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                service.write(
                    "", 1, digest(bytes("a")), 1, new ByteArrayInputStream(bytes("a")), s -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("fence");
    ChangeEvent noOrigin = goEvent("", "", 0, digest(bytes("a")));
    assertThatThrownBy(() -> service.republish("eu->us", 1, List.of(noOrigin)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
