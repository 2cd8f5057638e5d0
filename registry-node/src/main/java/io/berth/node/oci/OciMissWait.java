package io.berth.node.oci;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;

/**
 * What the registry asks when a repository that is not pulled through lacks a manifest, tag or
 * blob: the seam where a node of a multi-node region waits (bounded) until it has applied what the
 * region's other nodes already wrote, so a client that pushed to one node and pulls from another
 * does not see a 404 for content that exists (read-your-writes across nodes).
 *
 * <p>Contract: return true only once the content is in this node's index; false when there is
 * nothing to wait for or the wait ran out. Never blocks longer than the implementation's bound.
 */
public interface OciMissWait {

  /** Never waits: every miss is a miss (a standalone node). */
  OciMissWait NONE =
      new OciMissWait() {
        @Override
        public boolean manifest(RepositoryName repository, String reference) {
          return false;
        }

        @Override
        public boolean blob(RepositoryName repository, Digest digest) {
          return false;
        }
      };

  /** Waits for manifest {@code reference} (a tag or digest) of {@code repository}. */
  boolean manifest(RepositoryName repository, String reference);

  /** Waits for the link of {@code repository} to blob {@code digest}. */
  boolean blob(RepositoryName repository, Digest digest);
}
