package io.berth.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.storage.file.FileBlobStore;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CachingBlobStoreTest extends BlobStoreContract {
  @TempDir Path dir;
  FileBlobStore files;

  @Override
  protected BlobStore newStore() {
    files = new FileBlobStore(dir);
    return new CachingBlobStore(files, 1 << 20, 4096);
  }

  @Override
  protected boolean noTemporaryData() throws Exception {
    try (var s = Files.list(files.tempDirectory())) {
      return s.findAny().isEmpty();
    }
  }

  @Test
  void smallBlobsAreServedFromMemoryAndDeletesInvalidate() throws Exception {
    StoredBlob small =
        store.put(new ByteArrayInputStream(new byte[] {1, 2, 3}), PutExpectation.any());
    StoredBlob large = store.put(new ByteArrayInputStream(random(10_000, 9)), PutExpectation.any());
    assertThat(store.open(small.digest()).orElseThrow().inMemory()).isPresent();
    assertThat(store.open(small.digest()).orElseThrow().inMemory())
        .get()
        .isEqualTo(new byte[] {1, 2, 3});
    assertThat(store.open(large.digest()).orElseThrow().inMemory()).isEmpty();
    assertThat(store.open(large.digest()).orElseThrow().localFile()).isPresent();
    store.delete(small.digest());
    assertThat(store.open(small.digest())).isEmpty();
  }
}
