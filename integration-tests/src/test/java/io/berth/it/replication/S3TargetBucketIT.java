package io.berth.it.replication;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.s3.S3BlobStore;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.replicator.bucket.S3TargetBucket;
import io.berth.replicator.bucket.TargetBucket;
import io.berth.replicator.bucket.TargetBucketContract;
import io.berth.replicator.config.ReplicatorConfig;
import io.berth.replicator.region.RegionException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replicator's bucket writer against a real S3 server (S3Proxy), read back through the node's
 * own S3 blob store: both agree on where a blob lives, large blobs go up in parts and are only
 * completed once verified, and a refused write leaves no object and no unfinished upload.
 */
class S3TargetBucketIT extends TargetBucketContract {
  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static final AtomicInteger buckets = new AtomicInteger();

  final List<AutoCloseable> open = new ArrayList<>();
  S3BlobStore node;
  String bucketName;

  @BeforeAll
  static void startS3() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : open) {
      c.close();
    }
    open.clear();
  }

  @Override
  protected TargetBucket bucket() {
    bucketName = "copy-ahead-" + buckets.incrementAndGet();
    // the node's store creates the bucket, as a region's nodes do
    node = new S3BlobStore(s3.config(bucketName), "node-1");
    open.add(node);
    S3TargetBucket b =
        new S3TargetBucket(
            "b",
            new ReplicatorConfig.BucketSection(
                s3.endpoint(),
                bucketName,
                null,
                S3ProxyServer.ACCESS_KEY,
                S3ProxyServer.SECRET_KEY,
                null,
                null),
            64L << 20);
    open.add(b);
    return b;
  }

  @Override
  protected boolean holds(String digest, byte[] content) throws Exception {
    Optional<BlobReader> r = node.open(Digest.parse(digest));
    if (r.isEmpty()) {
      return false;
    }
    try (InputStream in = r.get().openStream()) {
      return java.util.Arrays.equals(in.readAllBytes(), content);
    }
  }

  @Test
  void aBlobOfSeveralPartsIsStoredWhereTheNodeFindsIt() throws Exception {
    TargetBucket bucket = bucket();
    byte[] big = random(20 << 20, 7); // three parts of 8 MiB
    String digest = sha256(big);
    assertThat(bucket.writeBlob(digest, big.length, new ByteArrayInputStream(big))).isFalse();
    assertThat(holds(digest, big)).isTrue();
    assertThat(s3.objectFile(bucketName, "blobs/sha256/" + Digest.parse(digest).hex())).exists();
    assertThat(node.incompleteUploads()).isEmpty();
  }

  @Test
  void aLargeBlobWhoseLastByteIsWrongIsNeverVisibleAndItsUploadIsAborted() throws Exception {
    TargetBucket bucket = bucket();
    byte[] big = random(17 << 20, 8);
    String digest = sha256(big);
    byte[] wrong = big.clone();
    wrong[wrong.length - 1] ^= 1;
    assertThatThrownBy(
            () -> bucket.writeBlob(digest, wrong.length, new ByteArrayInputStream(wrong)))
        .isInstanceOf(RegionException.Mismatch.class);
    assertThat(node.stat(Digest.parse(digest))).isEmpty();
    assertThat(bucket.missing(List.of(digest))).containsExactly(digest);
    assertThat(node.incompleteUploads()).as("the multipart upload was aborted").isEmpty();
    assertThat(s3.multipartPartsArriving(bucketName)).isFalse();
  }

  @Test
  void anUnreachableBucketIsUnavailable() throws Exception {
    try (S3TargetBucket nowhere =
        new S3TargetBucket(
            "b",
            new ReplicatorConfig.BucketSection(
                "http://127.0.0.1:" + io.berth.node.testsupport.NodeProcess.freePort(),
                "nowhere",
                null,
                "k",
                "s",
                null,
                null),
            64L << 20)) {
      String d = sha256(new byte[] {1});
      assertThatThrownBy(() -> nowhere.missing(List.of(d)))
          .isInstanceOf(RegionException.Unavailable.class);
      assertThatThrownBy(() -> nowhere.writeBlob(d, 1, new ByteArrayInputStream(new byte[] {1})))
          .isInstanceOf(RegionException.Unavailable.class);
    }
  }
}
