package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.node.index.OciIndex;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.index.rocksdb.RocksIndexStore;
import io.berth.node.index.rocksdb.RocksOciIndex;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import io.berth.proto.index.v1.OciUploadSession;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Upload sessions: durable appends, exclusive use, recovery after a crash, expiry. */
class OciUploadsTest {
  @TempDir Path tmp;
  RocksIndexStore store;
  OciIndex index;
  Path dir;
  final AtomicLong now = new AtomicLong(1_000_000);
  final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return Instant.ofEpochMilli(now.get());
        }
      };
  OciUploads uploads;
  final RepositoryName repo = RepositoryName.parse("a/b");

  @BeforeEach
  void start() throws Exception {
    store = new RocksIndexStore(tmp.resolve("index"));
    index = new RocksOciIndex(store, new RocksChangeLog(store, "n", "r", 60_000));
    dir = tmp.resolve("uploads");
    uploads = newUploads();
  }

  OciUploads newUploads() {
    return new OciUploads(index, dir, Duration.ofSeconds(60), Duration.ofHours(1), clock).start();
  }

  @AfterEach
  void stop() {
    uploads.close();
    store.close();
  }

  static InputStream bytes(int n) {
    return new ByteArrayInputStream(new byte[n]);
  }

  @Test
  void appendsAreDurableAndCounted() throws Exception {
    OciUploadSession s = uploads.create(repo);
    try (OciUploads.Handle h = uploads.open(repo, s.getId())) {
      assertThat(uploads.append(h, bytes(100), 100)).isEqualTo(100);
      assertThat(uploads.append(h, bytes(50), -1)).isEqualTo(150);
      assertThat(h.size()).isEqualTo(150);
      try (InputStream in = uploads.content(h)) {
        assertThat(in.readAllBytes()).hasSize(150);
      }
    }
    assertThat(index.upload(s.getId()).get().getSize()).isEqualTo(150);
    assertThat(Files.size(dir.resolve(s.getId()))).isEqualTo(150);
  }

  @Test
  void aChunkOfTheWrongLengthIsDiscarded() throws Exception {
    OciUploadSession s = uploads.create(repo);
    try (OciUploads.Handle h = uploads.open(repo, s.getId())) {
      uploads.append(h, bytes(10), 10);
      for (int n : new int[] {5, 15}) {
        assertThatThrownBy(() -> uploads.append(h, bytes(n), 10))
            .isInstanceOf(OciException.class)
            .satisfies(
                e -> assertThat(((OciException) e).code()).isEqualTo(OciErrorCode.SIZE_INVALID));
        assertThat(h.size()).isEqualTo(10);
        assertThat(Files.size(dir.resolve(s.getId()))).isEqualTo(10);
      }
    }
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void chunksAreHashedAsTheyArriveAndAFailedChunkLeavesTheHashAsItWas() throws Exception {
    byte[] a = random(300_000, 1);
    byte[] b = random(70_000, 2);
    OciUploadSession s = uploads.create(repo);
    try (OciUploads.Handle h = uploads.open(repo, s.getId())) {
      assertThat(uploads.hashedContent(h, Digest.Algorithm.SHA256))
          .as("an empty session has no content to vouch for yet")
          .isEmpty();
      uploads.append(h, new ByteArrayInputStream(a), a.length);
      assertThat(uploads.hashedContent(h, Digest.Algorithm.SHA256)).contains(Digest.sha256(a));
      // a chunk that fails half way: discarded, and the hash still covers only the first chunk
      assertThatThrownBy(() -> uploads.append(h, new ByteArrayInputStream(b), b.length + 1))
          .isInstanceOf(OciException.class);
      assertThat(uploads.hashedContent(h, Digest.Algorithm.SHA256)).contains(Digest.sha256(a));
      uploads.append(h, new ByteArrayInputStream(b), -1);
      byte[] all = new byte[a.length + b.length];
      System.arraycopy(a, 0, all, 0, a.length);
      System.arraycopy(b, 0, all, a.length, b.length);
      assertThat(uploads.hashedContent(h, Digest.Algorithm.SHA256)).contains(Digest.sha256(all));
      assertThat(uploads.hashedContent(h, Digest.Algorithm.SHA512))
          .as("only sha256 is hashed on the way in")
          .isEmpty();
    }
  }

  @Test
  void afterARestartTheHashIsUnknownAndStaysUnknownForTheSession() throws Exception {
    OciUploadSession s = uploads.create(repo);
    try (OciUploads.Handle h = uploads.open(repo, s.getId())) {
      uploads.append(h, new ByteArrayInputStream(random(1000, 3)), -1);
    }
    uploads.close();
    uploads = newUploads();
    try (OciUploads.Handle h = uploads.open(repo, s.getId())) {
      assertThat(uploads.hashedContent(h, Digest.Algorithm.SHA256)).isEmpty();
      uploads.append(h, new ByteArrayInputStream(random(1000, 4)), -1);
      assertThat(uploads.hashedContent(h, Digest.Algorithm.SHA256))
          .as("the first bytes were never hashed by this run, so the later ones cannot vouch")
          .isEmpty();
      assertThat(h.size()).isEqualTo(2000);
    }
  }

  @Test
  void sessionsAreBoundToTheirRepositoryAndUsedByOneRequestAtATime() {
    OciUploadSession s = uploads.create(repo);
    assertThatThrownBy(() -> uploads.open(RepositoryName.parse("a/c"), s.getId()))
        .isInstanceOf(OciException.class)
        .satisfies(
            e -> assertThat(((OciException) e).code()).isEqualTo(OciErrorCode.BLOB_UPLOAD_UNKNOWN));
    try (OciUploads.Handle h = uploads.open(repo, s.getId())) {
      assertThatThrownBy(() -> uploads.open(repo, s.getId()))
          .isInstanceOf(OciException.class)
          .satisfies(
              e -> assertThat(((OciException) e).code()).isEqualTo(OciErrorCode.TOOMANYREQUESTS));
    }
    uploads.open(repo, s.getId()).close();
  }

  @Test
  void recoveryTruncatesUnacknowledgedBytesAndDropsBrokenSessions() throws Exception {
    OciUploadSession good = uploads.create(repo);
    OciUploadSession broken = uploads.create(repo);
    try (OciUploads.Handle h = uploads.open(repo, good.getId())) {
      uploads.append(h, bytes(100), 100);
    }
    try (OciUploads.Handle h = uploads.open(repo, broken.getId())) {
      uploads.append(h, bytes(100), 100);
    }
    uploads.close();
    Files.write(dir.resolve(good.getId()), new byte[50], java.nio.file.StandardOpenOption.APPEND);
    Files.write(dir.resolve(broken.getId()), new byte[10]);
    Files.write(dir.resolve("orphan"), new byte[10]);

    uploads = newUploads();
    assertThat(Files.size(dir.resolve(good.getId()))).isEqualTo(100);
    assertThat(uploads.open(repo, good.getId()).size()).isEqualTo(100);
    assertThat(index.upload(broken.getId())).isEmpty();
    assertThat(dir.resolve(broken.getId())).doesNotExist();
    assertThat(dir.resolve("orphan")).doesNotExist();
  }

  @Test
  void idleSessionsExpireAndTheirBytesAreReclaimed() throws Exception {
    OciUploadSession idle = uploads.create(repo);
    try (OciUploads.Handle h = uploads.open(repo, idle.getId())) {
      uploads.append(h, bytes(100), 100);
    }
    now.addAndGet(30_000);
    OciUploadSession active = uploads.create(repo);
    assertThat(uploads.sweep()).isZero();
    now.addAndGet(31_000);
    assertThat(uploads.sweep()).isEqualTo(1);
    assertThat(index.upload(idle.getId())).isEmpty();
    assertThat(dir.resolve(idle.getId())).doesNotExist();
    assertThat(uploads.open(repo, active.getId()).size()).isZero();
    now.addAndGet(61_000);
    assertThatThrownBy(() -> uploads.open(repo, active.getId()))
        .as("an expired session is unknown even before the sweep")
        .isInstanceOf(OciException.class);
  }
}
