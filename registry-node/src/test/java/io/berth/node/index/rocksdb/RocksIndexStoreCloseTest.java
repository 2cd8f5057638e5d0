package io.berth.node.index.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.node.index.IndexException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Closing a real RocksDB while other threads still use it: a call in progress finishes before the
 * native handles are freed, and a call after the close fails with {@link IndexException} instead of
 * reading freed memory (which aborts the whole JVM).
 */
class RocksIndexStoreCloseTest {
  @TempDir Path dir;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyCallAfterCloseThrowsAnIndexException() {
    RocksIndexStore store = new RocksIndexStore(dir);
    store.write(b -> b.put(store.cf(KeyLayout.CF_OCI_LINKS), utf8("k"), utf8("v")));
    store.close();
    assertThatThrownBy(() -> store.get(KeyLayout.CF_OCI_LINKS, utf8("k")))
        .isInstanceOf(IndexException.class)
        .hasMessageContaining("closed");
    assertThatThrownBy(
            () -> store.write(b -> b.put(store.cf(KeyLayout.CF_OCI_LINKS), utf8("k"), utf8("w"))))
        .isInstanceOf(IndexException.class);
    assertThatThrownBy(
            () -> store.writeUnsynced(b -> b.delete(store.cf(KeyLayout.CF_OCI_LINKS), utf8("k"))))
        .isInstanceOf(IndexException.class);
    assertThatThrownBy(store::syncWal).isInstanceOf(IndexException.class);
    assertThatThrownBy(store::flush).isInstanceOf(IndexException.class);
    assertThatThrownBy(() -> store.scan(KeyLayout.CF_OCI_LINKS, new byte[0], (k, v) -> {}))
        .isInstanceOf(IndexException.class);
    assertThatThrownBy(() -> store.scanFrom(KeyLayout.CF_OCI_LINKS, new byte[0], (k, v) -> true))
        .isInstanceOf(IndexException.class);
    store.close(); // idempotent
  }

  @Test
  void closeWaitsForAScanInProgressWhoseVisitorCallsBackIntoTheStore() throws Exception {
    RocksIndexStore store = new RocksIndexStore(dir);
    store.write(
        b -> {
          for (int i = 0; i < 100; i++) {
            b.put(store.cf(KeyLayout.CF_OCI_LINKS), utf8("k" + i), utf8("v" + i));
          }
        });
    CountDownLatch inScan = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger visited = new AtomicInteger();
    CompletableFuture<Void> scan =
        CompletableFuture.runAsync(
            () ->
                store.scan(
                    KeyLayout.CF_OCI_LINKS,
                    utf8("k"),
                    (k, v) -> {
                      if (visited.getAndIncrement() == 0) {
                        inScan.countDown();
                        try {
                          release.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                      }
                      // a nested read while close() is waiting must not deadlock
                      assertThat(store.get(KeyLayout.CF_OCI_LINKS, k)).isEqualTo(v);
                    }));
    assertThat(inScan.await(10, TimeUnit.SECONDS)).isTrue();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(store::close);
    Thread.sleep(200);
    assertThat(closing).as("close waits for the scan in progress").isNotDone();
    release.countDown();
    scan.get(10, TimeUnit.SECONDS);
    closing.get(10, TimeUnit.SECONDS);
    assertThat(visited).hasValue(100);
    assertThatThrownBy(() -> store.get(KeyLayout.CF_OCI_LINKS, utf8("k1")))
        .isInstanceOf(IndexException.class);
  }
}
