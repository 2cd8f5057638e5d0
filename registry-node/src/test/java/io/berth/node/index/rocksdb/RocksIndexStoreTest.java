package io.berth.node.index.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.node.index.IndexException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scans of a real RocksDB whose SST file was corrupted on disk: the iterator meets a data block
 * whose checksum does not match, and the scan must throw instead of ending early as if the range
 * were complete (GC's mark relies on it).
 */
class RocksIndexStoreTest {
  static final int KEYS = 20_000;

  @TempDir Path dir;

  private static byte[] key(int i) {
    return String.format("k/%08d", i).getBytes(StandardCharsets.UTF_8);
  }

  private void fillFlushAndCorrupt() throws IOException {
    Random random = new Random(42);
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      for (int i = 0; i < KEYS; i += 500) {
        int from = i;
        store.write(
            b -> {
              for (int j = from; j < from + 500; j++) {
                byte[] v = new byte[100];
                random.nextBytes(v);
                b.put(store.cf(KeyLayout.CF_OCI_LINKS), key(j), v);
              }
            });
      }
      AtomicInteger all = new AtomicInteger();
      store.scan(KeyLayout.CF_OCI_LINKS, new byte[0], (k, v) -> all.incrementAndGet());
      assertThat(all).hasValue(KEYS);
      store.flush();
    }
    Path sst;
    try (Stream<Path> files = Files.list(dir)) {
      sst =
          files
              .filter(p -> p.getFileName().toString().endsWith(".sst"))
              .max(Comparator.comparingLong(RocksIndexStoreTest::size))
              .orElseThrow();
    }
    long size = Files.size(sst);
    assertThat(size).as("the links SST holds the data blocks").isGreaterThan(1_000_000);
    try (FileChannel ch = FileChannel.open(sst, StandardOpenOption.WRITE)) {
      byte[] junk = new byte[256];
      new Random(7).nextBytes(junk);
      ch.write(ByteBuffer.wrap(junk), size / 3); // a data block in the middle, not the index
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void aScanThatMeetsACorruptBlockThrowsInsteadOfEndingEarly() throws IOException {
    fillFlushAndCorrupt();
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      AtomicInteger seen = new AtomicInteger();
      assertThatThrownBy(
              () ->
                  store.scan(KeyLayout.CF_OCI_LINKS, new byte[0], (k, v) -> seen.incrementAndGet()))
          .isInstanceOf(IndexException.class)
          .hasMessageContaining(KeyLayout.CF_OCI_LINKS);
      assertThat(seen.get()).as("entries before the corrupt block").isLessThan(KEYS);
    }
  }

  @Test
  void aScanFromThatMeetsACorruptBlockThrowsInsteadOfEndingEarly() throws IOException {
    fillFlushAndCorrupt();
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      AtomicInteger seen = new AtomicInteger();
      assertThatThrownBy(
              () ->
                  store.scanFrom(
                      KeyLayout.CF_OCI_LINKS,
                      key(0),
                      (k, v) -> {
                        seen.incrementAndGet();
                        return true;
                      }))
          .isInstanceOf(IndexException.class);
      assertThat(seen.get()).isLessThan(KEYS);
    }
  }

  @Test
  void aScanOfAHealthyIndexVisitsEveryEntry() throws IOException {
    try (RocksIndexStore store = new RocksIndexStore(dir)) {
      store.write(
          b -> {
            for (int j = 0; j < 100; j++) {
              b.put(store.cf(KeyLayout.CF_OCI_LINKS), key(j), new byte[] {1});
            }
          });
      AtomicInteger seen = new AtomicInteger();
      store.scan(
          KeyLayout.CF_OCI_LINKS,
          "k/".getBytes(StandardCharsets.UTF_8),
          (k, v) -> seen.incrementAndGet());
      assertThat(seen).hasValue(100);
    }
  }
}
