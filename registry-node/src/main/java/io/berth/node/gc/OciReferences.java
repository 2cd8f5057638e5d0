package io.berth.node.gc;

import io.berth.common.Digest;
import io.berth.node.index.OciIndex;
import java.util.function.Consumer;

/**
 * The blobs named by the OCI index: every manifest's own bytes and the descriptors it names
 * (config, layers, index children, subject) and every per-repository blob link. Upload sessions
 * keep their bytes outside the blob store until they complete, and a completed upload's blob is
 * stored and linked through the guarded store, so they need no mark of their own.
 */
public final class OciReferences implements BlobReferences {
  private final OciIndex index;

  public OciReferences(OciIndex index) {
    this.index = index;
  }

  @Override
  public String name() {
    return "oci";
  }

  @Override
  public void forEachReferencedDigest(Consumer<Digest> visitor) {
    index.forEachReferencedDigest(visitor);
  }
}
