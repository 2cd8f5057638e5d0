package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageBusyException;
import io.berth.node.storage.StoredBlob;
import io.berth.node.testsupport.GatedInputStream;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.S3ProxyServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node-wide upload buffer budget of {@link S3BlobStore} on a real S3-compatible server: with a
 * budget of one part, a large put that holds it makes another large put wait the configured time
 * and then fail as storage busy (retryable, nothing stored), while a small blob still goes up (it
 * needs no part buffer); once the first put ends, the next large put succeeds.
 */
class S3UploadBudgetIT {
  static final int PART = 8 << 20;

  @TempDir static Path tmp;
  static S3ProxyServer s3;

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

  @Test
  void aPutBeyondTheBudgetWaitsThenFailsBusyWhileSmallBlobsStillGoUp() throws Exception {
    try (S3BlobStore store =
        new S3BlobStore(s3.config("budget").withBuffers(PART, 500), "writer-budget")) {
      long bigSize = 3L * PART;
      GatedInputStream gate = new GatedInputStream(new PatternStream(bigSize, 1), PART + 1000);
      CompletableFuture<StoredBlob> holder =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return store.put(gate, PutExpectation.any().withSize(bigSize));
                } catch (IOException e) {
                  throw new java.io.UncheckedIOException(e);
                }
              });
      assertThat(gate.reached().await(60, TimeUnit.SECONDS))
          .as("first put holds the budget")
          .isTrue();

      long start = System.nanoTime();
      assertThatThrownBy(
              () ->
                  store.put(
                      new PatternStream(2L << 20, 2), PutExpectation.any().withSize(2L << 20)))
          .isInstanceOf(StorageBusyException.class)
          .hasMessageContaining("storage.s3.maxBufferBytes");
      assertThat(System.nanoTime() - start)
          .as("it waited the configured time first")
          .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(400));
      assertThat(store.stat(PatternStream.digest(2L << 20, 2))).as("nothing stored").isEmpty();

      byte[] small = "a manifest-sized blob".getBytes();
      StoredBlob tiny = store.put(new ByteArrayInputStream(small), PutExpectation.any());
      assertThat(tiny.size()).isEqualTo(small.length);

      gate.open();
      StoredBlob big = holder.get(120, TimeUnit.SECONDS);
      assertThat(big.digest()).isEqualTo(PatternStream.digest(bigSize, 1));
      StoredBlob next =
          store.put(new PatternStream(2L << 20, 2), PutExpectation.any().withSize(2L << 20));
      assertThat(next.digest()).isEqualTo(PatternStream.digest(2L << 20, 2));
    }
  }
}
