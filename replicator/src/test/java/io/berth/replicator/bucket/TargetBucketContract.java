package io.berth.replicator.bucket;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.replicator.region.RegionException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The {@link TargetBucket} contract, run against every implementation. */
public abstract class TargetBucketContract {

  /** A fresh, empty bucket. */
  protected abstract TargetBucket bucket() throws Exception;

  /** Whether the bucket holds exactly {@code content} under {@code digest} (read back). */
  protected abstract boolean holds(String digest, byte[] content) throws Exception;

  protected static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  protected static String sha256(byte[] b) {
    return Digest.sha256(b).toString();
  }

  @Test
  void missingNamesExactlyTheAbsentDigestsInTheirOrder() throws Exception {
    TargetBucket bucket = bucket();
    byte[] one = random(1000, 1);
    byte[] two = random(2000, 2);
    byte[] three = random(3000, 3);
    bucket.writeBlob(sha256(two), two.length, new ByteArrayInputStream(two));
    assertThat(bucket.missing(List.of(sha256(three), sha256(two), sha256(one))))
        .containsExactly(sha256(three), sha256(one));
    assertThat(bucket.missing(List.of())).isEmpty();
  }

  @Test
  void aWrittenBlobIsStoredAndASecondWriteDoesNotReadItsContent() throws Exception {
    TargetBucket bucket = bucket();
    byte[] b = random(100_000, 4);
    assertThat(bucket.writeBlob(sha256(b), b.length, new ByteArrayInputStream(b))).isFalse();
    assertThat(holds(sha256(b), b)).isTrue();
    InputStream unreadable =
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError("the content of a present blob is not read");
          }
        };
    assertThat(bucket.writeBlob(sha256(b), b.length, unreadable)).isTrue();
  }

  @Test
  void contentThatDoesNotHashToTheDigestIsRefusedAndNothingIsStored() throws Exception {
    TargetBucket bucket = bucket();
    byte[] b = random(50_000, 5);
    String digest = sha256(b);
    byte[] wrong = b.clone();
    wrong[wrong.length - 1] ^= 1;
    assertThatThrownBy(
            () -> bucket.writeBlob(digest, wrong.length, new ByteArrayInputStream(wrong)))
        .isInstanceOf(RegionException.Mismatch.class);
    assertThat(bucket.missing(List.of(digest))).containsExactly(digest);
  }

  @Test
  void contentShorterThanItsSizeIsRefusedAndNothingIsStored() throws Exception {
    TargetBucket bucket = bucket();
    byte[] b = random(50_000, 6);
    String digest = sha256(b);
    byte[] cut = java.util.Arrays.copyOf(b, 40_000);
    assertThatThrownBy(() -> bucket.writeBlob(digest, b.length, new ByteArrayInputStream(cut)))
        .isInstanceOf(RegionException.class);
    assertThat(bucket.missing(List.of(digest))).containsExactly(digest);
  }

  @Test
  void aDigestThatIsNotOneIsRejected() throws Exception {
    TargetBucket bucket = bucket();
    assertThatThrownBy(
            () -> bucket.writeBlob("md5:abc", 1, new ByteArrayInputStream(new byte[] {1})))
        .isInstanceOf(RegionException.Rejected.class);
  }
}
