package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.OciIndex;
import io.berth.node.index.RegionCatchUp;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksOciIndex;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.file.FileBlobStore;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.OciManifestRecord;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Node B misses what node A just wrote: the wait asks B's applier only when the content may exist,
 * and answers from B's index afterwards.
 */
class CatchUpMissWaitTest {
  @TempDir Path dir;
  RocksIndexStore storeA;
  RocksIndexStore storeB;
  RocksChangeLog logA;
  RocksChangeLog logB;
  RocksOciIndex a;
  RocksOciIndex b;
  FileBlobStore blobs;
  final AtomicInteger waits = new AtomicInteger();

  /** Late-arrival threads; joined before the stores close, as they may still be applying. */
  final List<Thread> arrivals = new CopyOnWriteArrayList<>();

  final RepositoryName repo = RepositoryName.parse("team/app");

  @BeforeEach
  void open() {
    storeA = new RocksIndexStore(dir.resolve("a"));
    storeB = new RocksIndexStore(dir.resolve("b"));
    logA = new RocksChangeLog(storeA, "a", "eu", 60_000);
    logB = new RocksChangeLog(storeB, "b", "eu", 60_000);
    a = new RocksOciIndex(storeA, logA);
    b = new RocksOciIndex(storeB, logB);
    logB.addApplier(b::applyRemote);
    blobs = new FileBlobStore(dir.resolve("shared"));
  }

  @AfterEach
  void close() throws InterruptedException {
    for (Thread t : arrivals) {
      t.join(10_000);
    }
    blobs.close();
    storeA.close();
    storeB.close();
  }

  /** B's applier: applies A's outbox when asked to catch up. */
  RegionCatchUp applierOfB(boolean behind) {
    return max -> {
      waits.incrementAndGet();
      if (!behind) {
        return RegionCatchUp.Outcome.CURRENT;
      }
      for (ChangeEvent e : logA.readAfter(0, 1000)) {
        logB.apply(e);
      }
      return RegionCatchUp.Outcome.CAUGHT_UP;
    };
  }

  CatchUpMissWait handler(RegionCatchUp catchUp) {
    return new CatchUpMissWait(b, blobs, catchUp, Duration.ofSeconds(1), Duration.ZERO);
  }

  /**
   * B's running applier when A's events reach the log only {@code lateMillis} after the miss (relay
   * delay): asked to catch up, B is current (the events are not in the log yet); the applier then
   * applies them in the background when they arrive, as the real one does.
   */
  RegionCatchUp applierOfBWithLateEvents(long lateMillis) {
    Thread arrival =
        new Thread(
            () -> {
              try {
                Thread.sleep(lateMillis);
              } catch (InterruptedException e) {
                return;
              }
              for (ChangeEvent e : logA.readAfter(0, 1000)) {
                logB.apply(e);
              }
            });
    arrival.setDaemon(true);
    arrivals.add(arrival);
    return max -> {
      waits.incrementAndGet();
      if (!arrival.isAlive() && arrival.getState() == Thread.State.NEW) {
        arrival.start();
      }
      return RegionCatchUp.Outcome.CURRENT;
    };
  }

  Digest store(String content) throws Exception {
    byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
    return blobs.put(new ByteArrayInputStream(bytes), PutExpectation.any()).digest();
  }

  Digest pushOnA(String tag) throws Exception {
    Digest m = store("{\"manifest\":\"" + tag + "\"}");
    a.putManifest(
        new OciIndex.ManifestWrite(
            OciManifestRecord.newBuilder()
                .setRepository(repo.value())
                .setDigest(m.toString())
                .setMediaType("application/vnd.oci.image.manifest.v1+json")
                .setSize(20)
                .build(),
            Optional.of(Tag.parse(tag)),
            List.of(),
            List.of()));
    return m;
  }

  @Test
  void aDigestWhoseBytesAreNotInTheSharedStoreIsAMissAtOnce() {
    Digest unknown = Digest.sha256("never stored".getBytes(StandardCharsets.UTF_8));
    CatchUpMissWait h = handler(applierOfB(true));
    assertThat(h.manifest(repo, unknown.toString())).isFalse();
    assertThat(h.blob(repo, unknown)).isFalse();
    assertThat(waits).hasValue(0);
  }

  @Test
  void aManifestPushedOnAnotherNodeIsFoundAfterCatchingUp() throws Exception {
    Digest m = pushOnA("v1");
    assertThat(b.tag(repo, Tag.parse("v1"))).isEmpty();
    assertThat(handler(applierOfB(true)).manifest(repo, "v1")).isTrue();
    assertThat(b.tag(repo, Tag.parse("v1"))).contains(m);
    assertThat(handler(applierOfB(true)).manifest(repo, m.toString())).isTrue();
  }

  @Test
  void anIndexThatIsNotBehindAnswersTheMissWithoutWaiting() throws Exception {
    pushOnA("v2");
    assertThat(handler(applierOfB(false)).manifest(repo, "v2")).isFalse();
    assertThat(waits).hasValue(1);
    assertThat(b.tag(repo, Tag.parse("v2"))).isEmpty();
  }

  @Test
  void aTagWhoseEventReachesTheLogLateIsFoundWithinTheTagGrace() throws Exception {
    Digest m = pushOnA("late");
    CatchUpMissWait h =
        new CatchUpMissWait(
            b,
            blobs,
            applierOfBWithLateEvents(300),
            Duration.ofSeconds(30),
            Duration.ofSeconds(20));
    assertThat(h.manifest(repo, "late")).isTrue();
    assertThat(waits).as("the log's end is asked for once; later looks read the index").hasValue(1);
    assertThat(b.tag(repo, Tag.parse("late"))).contains(m);
  }

  @Test
  void aDigestWhoseBytesAreStoredIsLookedForPastTheTagGrace() throws Exception {
    Digest m = pushOnA("bydigest");
    CatchUpMissWait h =
        new CatchUpMissWait(
            b, blobs, applierOfBWithLateEvents(500), Duration.ofSeconds(30), Duration.ZERO);
    long start = System.nanoTime();
    assertThat(h.manifest(repo, m.toString())).isTrue();
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .as("found after the event arrived, although the tag grace is zero")
        .isGreaterThanOrEqualTo(Duration.ofMillis(500));
    assertThat(waits).hasValue(1);
  }

  @Test
  void aTagNobodyWroteCostsAtMostTheTagGrace() throws Exception {
    CatchUpMissWait h =
        new CatchUpMissWait(
            b, blobs, applierOfB(false), Duration.ofSeconds(30), Duration.ofMillis(200));
    long start = System.nanoTime();
    assertThat(h.manifest(repo, "never")).isFalse();
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took)
        .as("looked again during the grace")
        .isGreaterThanOrEqualTo(Duration.ofMillis(200));
    assertThat(took)
        .as("bounded by the grace, not by the 30 s catch-up limit")
        .isLessThan(Duration.ofSeconds(10));
    assertThat(waits).as("one question to the log per miss, however long it looks").hasValue(1);
  }

  @Test
  void aTagThatNobodyWroteIsStillAMissAfterCatchingUp() throws Exception {
    pushOnA("v3");
    assertThat(handler(applierOfB(true)).manifest(repo, "nope")).isFalse();
  }

  @Test
  void aBlobLinkedOnAnotherNodeIsFoundAfterCatchingUp() throws Exception {
    Digest layer = store("layer bytes");
    a.linkBlob(repo, layer, 11);
    assertThat(handler(applierOfB(true)).blob(repo, layer)).isTrue();
    assertThat(b.blobLink(repo, layer)).isPresent();
  }
}
