package io.berth.node.scrub;

import io.berth.common.Digest;
import io.berth.node.storage.BlobStore;

/**
 * Somewhere a verified copy of a blob can be fetched from after scrub quarantined a corrupt one:
 * the upstream GOPROXY of a cached module file ({@link GoUpstreamRepair}), and later a peer region
 * (the replication link's source region) or an upstream OCI registry.
 *
 * <p>Contract: {@link #repair} stores the content into {@code store} with {@code
 * PutExpectation.digest(digest)}, so only bytes that hash to {@code digest} are ever stored; it
 * returns false (never throws for "not available here") when this source has no copy, and may throw
 * on transport or storage failures, which scrub logs before trying the next source.
 */
public interface BlobRepairSource {

  /** A short name for logs and reports, e.g. {@code go-upstream}. */
  String name();

  /** Tries to store a verified copy of {@code digest}; true when it did. */
  boolean repair(Digest digest, BlobStore store) throws Exception;
}
