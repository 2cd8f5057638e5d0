package io.berth.node.gc;

import io.berth.common.Digest;
import io.berth.node.index.SumdbIndex;
import java.util.function.Consumer;

/** The blobs holding cached checksum-database objects (full tiles). */
public final class SumdbReferences implements BlobReferences {
  private final SumdbIndex index;

  public SumdbReferences(SumdbIndex index) {
    this.index = index;
  }

  @Override
  public String name() {
    return "sumdb";
  }

  @Override
  public void forEachReferencedDigest(Consumer<Digest> visitor) {
    index.forEach(
        r -> {
          if (!r.getDigest().isEmpty()) {
            visitor.accept(Digest.parse(r.getDigest()));
          }
        });
  }
}
