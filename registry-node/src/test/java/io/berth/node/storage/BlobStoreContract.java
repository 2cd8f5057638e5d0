package io.berth.node.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@link BlobStore} contract. Every implementation's test extends this class and provides a
 * fresh, empty store.
 */
public abstract class BlobStoreContract {
  protected BlobStore store;

  @TempDir Path adoptDir;

  /** A new, empty store. */
  protected abstract BlobStore newStore() throws Exception;

  /** Whether the store has no leftovers of interrupted or rejected writes. */
  protected abstract boolean noTemporaryData() throws Exception;

  @BeforeEach
  void open() throws Exception {
    store = newStore();
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void putStoresUnderTheSha256DigestAndReadsBack() throws Exception {
    byte[] content = random(300_000, 1);
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    assertThat(b.digest()).isEqualTo(Digest.sha256(content));
    assertThat(b.size()).isEqualTo(content.length);
    assertThat(store.stat(b.digest())).get().extracting(StoredBlob::size).isEqualTo(300_000L);
    try (InputStream in = store.open(b.digest()).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
  }

  /**
   * The GC guard's hook (ADR 0008): the verified digest is told before the blob can be listed or
   * read, for puts and adopts of new content, and never for rejected content.
   */
  @Test
  void verifiedDigestIsToldBeforeTheBlobIsVisible() throws Exception {
    byte[] content = random(300_000, 21);
    Path file = Files.write(adoptDir.resolve("verified"), random(700_000, 22));
    List<String> told = new ArrayList<>();
    java.util.function.Consumer<Digest> listener =
        d -> {
          List<Digest> listed = new ArrayList<>();
          store.forEach(b -> listed.add(b.digest()));
          told.add(
              d
                  + " stat="
                  + store.stat(d).isPresent()
                  + " open="
                  + store.open(d).isPresent()
                  + " listed="
                  + listed.contains(d));
        };
    StoredBlob put =
        store.put(new ByteArrayInputStream(content), PutExpectation.any().whenVerified(listener));
    StoredBlob adopted = store.adopt(file, PutExpectation.any().whenVerified(listener));
    assertThat(told).first().isEqualTo(put.digest() + " stat=false open=false listed=false");
    assertThat(told).last().isEqualTo(adopted.digest() + " stat=false open=false listed=false");

    told.clear();
    Digest other = Digest.sha256(random(10, 23));
    assertThatThrownBy(
            () ->
                store.put(
                    new ByteArrayInputStream(random(1000, 24)),
                    PutExpectation.digest(other).whenVerified(listener)))
        .isInstanceOf(BlobRejectedException.class);
    assertThat(told).as("a rejected put tells nothing").isEmpty();
  }

  @Test
  void adoptStoresAFileUnderItsDigestAndRejectsAWrongOne() throws Exception {
    byte[] content = random(700_000, 11);
    Path wrong = Files.write(adoptDir.resolve("wrong"), content);
    Digest other = Digest.sha256(random(10, 12));
    assertThatThrownBy(() -> store.adopt(wrong, PutExpectation.digest(other)))
        .isInstanceOf(BlobRejectedException.class);
    assertThat(Files.readAllBytes(wrong))
        .as("a rejected file is left untouched")
        .isEqualTo(content);
    assertThat(store.stat(Digest.sha256(content))).isEmpty();
    assertThat(noTemporaryData()).isTrue();

    Path file = Files.write(adoptDir.resolve("upload"), content);
    StoredBlob b = store.adopt(file, PutExpectation.digest(Digest.sha256(content)));
    assertThat(b.digest()).isEqualTo(Digest.sha256(content));
    assertThat(b.size()).isEqualTo(content.length);
    try (InputStream in = store.open(b.digest()).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
    Path again = Files.write(adoptDir.resolve("again"), content);
    assertThat(store.adopt(again, PutExpectation.any()).digest()).isEqualTo(b.digest());
    try (InputStream in = store.open(b.digest()).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
  }

  @Test
  void adoptWithTheHashTheCallerComputedChecksItLikeAReadHash() throws Exception {
    byte[] content = random(600_000, 13);
    Digest actual = Digest.sha256(content);
    Path wrong = Files.write(adoptDir.resolve("hashed-wrong"), content);
    Digest other = Digest.sha256(random(10, 14));
    assertThatThrownBy(() -> store.adopt(wrong, PutExpectation.digest(other).withHashed(actual)))
        .isInstanceOf(BlobRejectedException.class)
        .satisfies(
            e ->
                assertThat(((BlobRejectedException) e).reason())
                    .isEqualTo(BlobRejectedException.Reason.DIGEST_MISMATCH));
    assertThat(Files.readAllBytes(wrong)).isEqualTo(content);
    assertThat(store.stat(actual)).isEmpty();

    Path file = Files.write(adoptDir.resolve("hashed"), content);
    StoredBlob b = store.adopt(file, PutExpectation.digest(actual).withHashed(actual));
    assertThat(b.digest()).isEqualTo(actual);
    assertThat(b.size()).isEqualTo(content.length);
    try (InputStream in = store.open(actual).orElseThrow().openStream()) {
      assertThat(in.readAllBytes()).isEqualTo(content);
    }
  }

  @Test
  void sha512IsSupported() throws Exception {
    byte[] content = random(1000, 2);
    Digest d =
        Digest.of(
            Digest.Algorithm.SHA512, Digest.Algorithm.SHA512.newMessageDigest().digest(content));
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.digest(d));
    assertThat(b.digest()).isEqualTo(d);
    assertThat(store.open(d)).isPresent();
  }

  @Test
  void rangeReadsReturnExactlyTheRange() throws Exception {
    byte[] content = random(10_000, 3);
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    BlobReader r = store.open(b.digest()).orElseThrow();
    try (InputStream in = r.openRange(500, 1000)) {
      byte[] got = in.readAllBytes();
      assertThat(got).hasSize(1000);
      assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(content, 500, 1500));
    }
    try (InputStream in = r.openRange(9_999, 1)) {
      assertThat(in.readAllBytes()).containsExactly(content[9_999]);
    }
    assertThatThrownBy(() -> r.openRange(9_000, 2_000))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void wrongDigestIsRejectedAndNothingIsStored() throws Exception {
    byte[] content = random(5000, 4);
    Digest wrong = Digest.sha256("something else".getBytes());
    assertThatThrownBy(
            () -> store.put(new ByteArrayInputStream(content), PutExpectation.digest(wrong)))
        .isInstanceOf(BlobRejectedException.class)
        .extracting(e -> ((BlobRejectedException) e).reason())
        .isEqualTo(BlobRejectedException.Reason.DIGEST_MISMATCH);
    assertThat(store.stat(wrong)).isEmpty();
    assertThat(store.stat(Digest.sha256(content))).isEmpty();
    assertThat(noTemporaryData()).isTrue();
  }

  @Test
  void sizeMismatchAndLimitAreRejected() throws Exception {
    byte[] content = random(5000, 5);
    assertThatThrownBy(
            () -> store.put(new ByteArrayInputStream(content), PutExpectation.any().withSize(4999)))
        .isInstanceOf(BlobRejectedException.class)
        .extracting(e -> ((BlobRejectedException) e).reason())
        .isEqualTo(BlobRejectedException.Reason.SIZE_MISMATCH);
    assertThatThrownBy(
            () -> store.put(new ByteArrayInputStream(content), PutExpectation.any().withSize(5001)))
        .isInstanceOf(BlobRejectedException.class);
    assertThatThrownBy(
            () ->
                store.put(
                    new ByteArrayInputStream(content), PutExpectation.any().withMaxSize(4096)))
        .isInstanceOf(BlobRejectedException.class)
        .extracting(e -> ((BlobRejectedException) e).reason())
        .isEqualTo(BlobRejectedException.Reason.TOO_LARGE);
    assertThat(store.stat(Digest.sha256(content))).isEmpty();
    assertThat(noTemporaryData()).isTrue();
  }

  @Test
  void failingInputLeavesNothing() throws Exception {
    InputStream broken =
        new InputStream() {
          int n;

          @Override
          public int read() throws IOException {
            if (n++ > 100_000) {
              throw new IOException("client went away");
            }
            return 7;
          }
        };
    assertThatThrownBy(() -> store.put(broken, PutExpectation.any()))
        .isInstanceOf(IOException.class);
    assertThat(noTemporaryData()).isTrue();
  }

  @Test
  void putIsIdempotentAndDeleteIsIdempotent() throws Exception {
    byte[] content = random(2000, 6);
    StoredBlob a = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    assertThat(b.digest()).isEqualTo(a.digest());
    List<StoredBlob> all = new ArrayList<>();
    store.forEach(all::add);
    assertThat(all).extracting(StoredBlob::digest).containsExactly(a.digest());
    assertThat(store.delete(a.digest())).isTrue();
    assertThat(store.delete(a.digest())).isFalse();
    assertThat(store.open(a.digest())).isEmpty();
  }

  @Test
  void quarantinedBlobIsNoLongerServedOrListed() throws Exception {
    byte[] content = random(3000, 7);
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    assertThat(store.quarantine(b.digest())).isTrue();
    assertThat(store.open(b.digest())).isEmpty();
    assertThat(store.stat(b.digest())).isEmpty();
    List<StoredBlob> all = new ArrayList<>();
    store.forEach(all::add);
    assertThat(all).isEmpty();
    assertThat(store.quarantine(b.digest())).isFalse();
    StoredBlob again = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    assertThat(store.open(again.digest())).isPresent();
  }

  @Test
  void touchRefreshesTheModifiedTime() throws Exception {
    byte[] content = random(100, 8);
    StoredBlob b = store.put(new ByteArrayInputStream(content), PutExpectation.any());
    long before = store.stat(b.digest()).orElseThrow().modifiedMillis();
    Thread.sleep(1100); // object stores keep Last-Modified with one-second resolution
    assertThat(store.touch(b.digest())).isTrue();
    assertThat(store.stat(b.digest()).orElseThrow().modifiedMillis()).isGreaterThan(before);
    Thread.sleep(1100);
    store.put(new ByteArrayInputStream(content), PutExpectation.any());
    assertThat(store.stat(b.digest()).orElseThrow().modifiedMillis())
        .as("putting stored content refreshes its time")
        .isGreaterThan(before + 1000);
    assertThat(store.touch(Digest.sha256("absent".getBytes()))).isFalse();
  }

  @Test
  void missingBlobIsEmpty() {
    Digest d = Digest.sha256("absent".getBytes());
    assertThat(store.stat(d)).isEmpty();
    assertThat(store.open(d)).isEmpty();
  }
}
