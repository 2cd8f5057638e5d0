package io.berth.node.oci;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;

/**
 * What the registry asks when a repository lacks a manifest, tag or blob: the seam where a
 * pull-through cache of an upstream registry plugs in. An implementation that fills a miss stores
 * the blobs in the BlobStore and then writes the index (manifest, tag, blob links) through the same
 * {@code OciIndex} as a push, so the registry serves the filled content like pushed content.
 *
 * <p>Contract: return true only once the content is in the index (and its blobs in the store);
 * false when this handler does not serve the repository or the upstream does not have it. Failures
 * of an upstream that prevent an answer are reported as {@code OciException} (e.g. UNAVAILABLE).
 */
public interface OciMissHandler {

  /** Handles nothing: every miss is a miss (a registry without upstreams). */
  OciMissHandler NONE =
      new OciMissHandler() {
        @Override
        public boolean fillManifest(RepositoryName repository, String reference) {
          return false;
        }

        @Override
        public boolean fillBlob(RepositoryName repository, Digest digest) {
          return false;
        }
      };

  /** Tries to fill manifest {@code reference} (a tag or digest) of {@code repository}. */
  boolean fillManifest(RepositoryName repository, String reference);

  /** Tries to fill blob {@code digest} of {@code repository} (and its link). */
  boolean fillBlob(RepositoryName repository, Digest digest);
}
