package io.berth.replicator.region;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.events.v1.Hlc;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The contract of {@link RegionClient}: every implementation's test extends this with a region
 * whose store and fences start empty for each test's link and blobs (tests use fresh random content
 * and link names).
 */
public abstract class RegionClientContract {
  private static final AtomicLong LINKS = new AtomicLong();
  private final Random random = new Random();

  /** The region under test. */
  protected abstract RegionClient region();

  /** A fresh link id, so fences from other tests do not interfere. */
  protected String link() {
    return "src"
        + LINKS.incrementAndGet()
        + "-"
        + random.nextInt(1_000_000)
        + "->"
        + region().region();
  }

  protected byte[] content(int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  protected static String digest(byte[] b) {
    return InMemoryRegionClient.digest(b);
  }

  @Test
  void storesVerifiedContentAndReportsWhatIsMissing() throws Exception {
    Fence f = new Fence(link(), 5);
    byte[] b = content(600_000);
    String d = digest(b);
    byte[] other = content(10);
    assertThat(region().missing(List.of(d, digest(other)))).containsExactly(d, digest(other));
    assertThat(region().writeBlob(f, d, b.length, new ByteArrayInputStream(b))).isFalse();
    assertThat(region().missing(List.of(d, digest(other)))).containsExactly(digest(other));
    assertThat(region().writeBlob(f, d, b.length, new ByteArrayInputStream(b)))
        .as("already held")
        .isTrue();
    try (RegionClient.BlobStream s = region().openBlob(d, 100_000)) {
      assertThat(s.size()).isEqualTo(b.length);
      InputStream in = s.stream();
      byte[] tail = in.readAllBytes();
      assertThat(tail).isEqualTo(java.util.Arrays.copyOfRange(b, 100_000, b.length));
    }
  }

  @Test
  void mismatchingContentIsRefusedAndNothingIsStored() {
    Fence f = new Fence(link(), 1);
    byte[] b = content(1000);
    String d = digest(b);
    byte[] wrong = content(1000);
    assertThatThrownBy(() -> region().writeBlob(f, d, b.length, new ByteArrayInputStream(wrong)))
        .isInstanceOf(RegionException.Mismatch.class);
    assertThatThrownBy(() -> region().writeBlob(f, d, b.length + 1, new ByteArrayInputStream(b)))
        .isInstanceOf(RegionException.Mismatch.class);
    assertThat(region().missing(List.of(d))).containsExactly(d);
  }

  @Test
  void unknownBlobsAreReportedAsSuch() {
    assertThatThrownBy(() -> region().openBlob(digest(content(8)), 0))
        .isInstanceOf(RegionException.NoSuchBlob.class);
  }

  @Test
  void aStaleFenceIsRefusedForEveryWrite() {
    String link = link();
    assertThat(region().beginTerm(new Fence(link, 20))).isGreaterThanOrEqualTo(1);
    Fence stale = new Fence(link, 19);
    byte[] b = content(100);
    assertThatThrownBy(() -> region().beginTerm(stale))
        .isInstanceOf(RegionException.StaleFence.class);
    assertThatThrownBy(
            () -> region().writeBlob(stale, digest(b), b.length, new ByteArrayInputStream(b)))
        .isInstanceOf(RegionException.StaleFence.class);
    assertThatThrownBy(() -> region().republish(stale, List.of()))
        .isInstanceOf(RegionException.StaleFence.class);
    assertThat(region().missing(List.of(digest(b)))).containsExactly(digest(b));
    assertThat(region().beginTerm(new Fence(link, 21))).isGreaterThanOrEqualTo(1);
  }

  protected ChangeEvent goEvent(String origin, long seq, String module, byte[] mod) {
    return ChangeEvent.newBuilder()
        .setSchema(1)
        .setOriginRegion(origin)
        .setOriginNode(origin + "-node")
        .setSeq(seq)
        .setHlc(Hlc.newBuilder().setWallMillis(System.currentTimeMillis()))
        .setKey("go:" + module + "@v1.0.0")
        .setGoVersionStored(
            GoVersionStored.newBuilder()
                .setRecord(
                    ModuleVersionRecord.newBuilder()
                        .setModulePath(module)
                        .setVersion("v1.0.0")
                        .setModDigest(digest(mod))
                        .setModSize(mod.length)))
        .build();
  }

  @Test
  void republishNeedsTheBlobsFirstAndSkipsWhatTheRegionHolds() {
    Fence f = new Fence(link(), 3);
    String module = "corp.example.com/contract" + random.nextInt(1_000_000);
    byte[] mod = ("module " + module + "\n").getBytes(StandardCharsets.UTF_8);
    ChangeEvent e = goEvent("elsewhere", 1 + random.nextInt(1_000_000), module, mod);
    assertThatThrownBy(() -> region().republish(f, List.of(e)))
        .isInstanceOf(RegionException.MissingBlobs.class);
    region().writeBlob(f, digest(mod), mod.length, new ByteArrayInputStream(mod));
    assertThat(region().republish(f, List.of(e))).isEqualTo(1);
    awaitHeld(f, e);
  }

  /**
   * A statement of bucket writes changes no outcome (ADR 0024): a stated blob the region does not
   * hold still makes the hand-over fail, and a malformed one is refused.
   */
  @Test
  void aStatedBucketWriteOfABlobTheRegionLacksDoesNotLetTheEventIn() {
    Fence f = new Fence(link(), 3);
    String module = "corp.example.com/stated" + random.nextInt(1_000_000);
    byte[] mod = ("module " + module + "\n").getBytes(StandardCharsets.UTF_8);
    ChangeEvent e = goEvent("elsewhere", 1 + random.nextInt(1_000_000), module, mod);
    List<RegionClient.BucketWrite> stated =
        List.of(new RegionClient.BucketWrite(digest(mod), mod.length, System.currentTimeMillis()));
    assertThatThrownBy(() -> region().republish(f, List.of(e), stated))
        .isInstanceOf(RegionException.MissingBlobs.class);
    region().writeBlob(f, digest(mod), mod.length, new ByteArrayInputStream(mod));
    assertThat(region().republish(f, List.of(e), stated)).isEqualTo(1);
    awaitHeld(f, e);
  }

  /** Waits until a repeated republish of {@code e} is skipped (the region applied it). */
  protected void awaitHeld(Fence f, ChangeEvent e) {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (region().republish(f, List.of(e)) != 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the region never reported " + e.getKey() + " as held");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        throw new AssertionError(ie);
      }
    }
  }
}
