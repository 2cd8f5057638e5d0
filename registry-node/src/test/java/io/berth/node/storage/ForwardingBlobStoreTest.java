package io.berth.node.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.storage.file.FileBlobStore;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The BlobStore contract through a forwarding store that overrides nothing, and the forwarding
 * contract itself: every interface method (the default ones too) is declared and reaches the
 * delegate's own method.
 */
class ForwardingBlobStoreTest extends BlobStoreContract {
  @TempDir Path dir;
  FileBlobStore files;

  @Override
  protected BlobStore newStore() {
    files = new FileBlobStore(dir);
    return new ForwardingBlobStore(files) {};
  }

  @Override
  protected boolean noTemporaryData() throws Exception {
    try (var s = Files.list(files.tempDirectory())) {
      return s.findAny().isEmpty();
    }
  }

  @Test
  void declaresEveryBlobStoreMethod() {
    for (Method m : BlobStore.class.getMethods()) {
      if (java.lang.reflect.Modifier.isStatic(m.getModifiers())) {
        continue;
      }
      assertThat(declares(m)).as("ForwardingBlobStore forwards %s", m).isTrue();
    }
  }

  private static boolean declares(Method m) {
    try {
      ForwardingBlobStore.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
      return true;
    } catch (NoSuchMethodException e) {
      return false;
    }
  }

  @Test
  void defaultMethodsReachTheDelegatesOwnImplementation() throws Exception {
    Recording recording = new Recording(files);
    BlobStore forwarding = new ForwardingBlobStore(recording) {};
    Path file = dir.resolve("upload");
    Files.write(file, new byte[] {4, 5, 6});
    StoredBlob b = forwarding.adopt(file, PutExpectation.any());
    assertThat(forwarding.reference(b.digest())).isTrue();
    assertThat(recording.calls).containsExactly("adopt", "reference");
  }

  /** Records the calls of the two methods BlobStore has defaults for. */
  private static final class Recording extends ForwardingBlobStore {
    final List<String> calls = new CopyOnWriteArrayList<>();

    Recording(BlobStore inner) {
      super(inner);
    }

    @Override
    public StoredBlob put(InputStream in, PutExpectation expectation) throws IOException {
      calls.add("put");
      return super.put(in, expectation);
    }

    @Override
    public StoredBlob adopt(Path file, PutExpectation expectation) throws IOException {
      calls.add("adopt");
      return super.adopt(file, expectation);
    }

    @Override
    public java.util.Optional<StoredBlob> stat(io.berth.common.Digest digest) {
      calls.add("stat");
      return super.stat(digest);
    }

    @Override
    public boolean reference(io.berth.common.Digest digest) {
      calls.add("reference");
      return super.reference(digest);
    }
  }
}
