package io.berth.node.gc;

import io.berth.common.Digest;
import io.berth.node.index.OciIndex;
import java.util.function.Consumer;

/**
 * The blobs named by the OCI index (ADR 0008). A live manifest keeps its own bytes and every
 * descriptor it names (config, layers, index children, subject) alive, in every repository and for
 * as long as it lives. A per-repository blob link that no manifest names keeps its blob alive only
 * while it is younger than the grace period: it is a push in progress (blobs first, manifest last),
 * or an abandoned one. So after a manifest is deleted (DELETE by digest; a tag DELETE leaves the
 * manifest), its blobs that nothing else names are reclaimed once their links are older than the
 * grace period, as in other registries. A link whose blob was reclaimed answers BLOB_UNKNOWN, and a
 * push re-uploads the blob.
 *
 * <p>Upload sessions keep their bytes outside the blob store (the node's {@code oci-uploads}
 * directory) until they complete, and a completed upload's blob is stored and linked through the
 * guarded store, so sessions need no mark of their own.
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

  @Override
  public void mark(long cutoffMillis, Consumer<Digest> visitor) {
    index.forEachManifest(
        m -> {
          visitor.accept(Digest.parse(m.getDigest()));
          for (String d : m.getReferencedDigestsList()) {
            visitor.accept(Digest.parse(d));
          }
        });
    index.forEachBlobLink(
        l -> {
          // 0: a record without the time (never written by this version); keep it to be safe
          if (l.getLinkedUnixMillis() == 0 || l.getLinkedUnixMillis() >= cutoffMillis) {
            visitor.accept(Digest.parse(l.getDigest()));
          }
        });
  }
}
