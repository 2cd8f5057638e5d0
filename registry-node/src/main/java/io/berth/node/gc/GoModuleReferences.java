package io.berth.node.gc;

import io.berth.common.Digest;
import io.berth.node.index.ModuleIndex;
import java.util.function.Consumer;

/** The {@code .info}, {@code .mod} and {@code .zip} blobs named by Go module version records. */
public final class GoModuleReferences implements BlobReferences {
  private final ModuleIndex index;

  public GoModuleReferences(ModuleIndex index) {
    this.index = index;
  }

  @Override
  public String name() {
    return "go-modules";
  }

  @Override
  public void forEachReferencedDigest(Consumer<Digest> visitor) {
    index.forEachVersion(
        r -> {
          for (String d : new String[] {r.getInfoDigest(), r.getModDigest(), r.getZipDigest()}) {
            if (!d.isEmpty()) {
              visitor.accept(Digest.parse(d));
            }
          }
        });
  }
}
