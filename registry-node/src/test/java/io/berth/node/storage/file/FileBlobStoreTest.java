package io.berth.node.storage.file;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BlobStoreContract;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest extends BlobStoreContract {
  @TempDir Path dir;

  @Override
  protected BlobStore newStore() {
    return new FileBlobStore(dir);
  }

  @Override
  protected boolean noTemporaryData() throws Exception {
    try (var s = Files.list(((FileBlobStore) store).tempDirectory())) {
      return s.findAny().isEmpty();
    }
  }

  @Test
  void cleanupRemovesLeftoverTemporaryFiles() throws Exception {
    FileBlobStore fs = (FileBlobStore) store;
    Files.writeString(fs.tempDirectory().resolve("crashed.part"), "half a blob");
    assertThat(fs.cleanupIncomplete()).isEqualTo(1);
    assertThat(noTemporaryData()).isTrue();
  }

  @Test
  void localFileIsOfferedForZeroCopy() throws Exception {
    var b =
        store.put(
            new java.io.ByteArrayInputStream(new byte[] {1, 2, 3}),
            io.berth.node.storage.PutExpectation.any());
    assertThat(store.open(b.digest()).orElseThrow().localFile())
        .get()
        .satisfies(p -> assertThat(Files.size(p)).isEqualTo(3));
  }
}
