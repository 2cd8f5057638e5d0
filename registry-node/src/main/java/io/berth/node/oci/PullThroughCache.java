package io.berth.node.oci;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.upstream.ClientSink;
import java.util.Optional;

/**
 * The pull-through seam of the registry: repositories under a configured prefix are served from an
 * upstream registry through a cache. The registry asks it for every manifest, tag and blob read of
 * such a repository; the cache answers from the store and index when it can and fetches from the
 * upstream otherwise, storing what it fetched (bytes first, verified against their digest, then the
 * index entries) so the registry serves it like pushed content. Served repositories are read-only
 * for clients.
 *
 * <p>Contract: answers never come from an unverified fetch. Content that is cached is never lost
 * because the upstream changed, deleted it or went away: a tag the upstream cannot confirm is
 * answered stale, never with an error. Failures that leave no answer are {@code OciException}s
 * ({@code UNAVAILABLE} when the upstream is unreachable, {@code DENIED} when it refuses the
 * configured credentials, {@code UPSTREAM_*} variants when it serves invalid content).
 */
public interface PullThroughCache {

  /**
   * The digest a tag points at. {@code stale} means the upstream could not confirm it (down,
   * failing, or no longer has it) and {@code warning} says why.
   */
  record TagAnswer(Digest digest, boolean stale, String warning) {
    public static TagAnswer fresh(Digest digest) {
      return new TagAnswer(digest, false, "");
    }
  }

  /** How a blob request was served. */
  enum BlobFill {
    /** The blob is stored and linked in the repository: read it from the store. */
    STORED,
    /** The blob was fetched and streamed to the sink while stored (or the stream was aborted). */
    STREAMED,
    /** Neither the cache nor the upstream has it. */
    ABSENT
  }

  /** A registry without upstreams: serves no repository. */
  PullThroughCache NONE =
      new PullThroughCache() {
        @Override
        public boolean serves(RepositoryName repository) {
          return false;
        }

        @Override
        public String describe(RepositoryName repository) {
          return "";
        }

        @Override
        public Optional<TagAnswer> tag(RepositoryName repository, Tag tag) {
          return Optional.empty();
        }

        @Override
        public boolean manifest(RepositoryName repository, Digest digest) {
          return false;
        }

        @Override
        public BlobFill blob(RepositoryName repository, Digest digest, ClientSink sink) {
          return BlobFill.ABSENT;
        }
      };

  /**
   * Whether {@code repository} is served from an upstream: under a configured prefix and not
   * private. The other methods are only called for served repositories.
   */
  boolean serves(RepositoryName repository);

  /** A short description of the upstream serving {@code repository}, for messages. */
  String describe(RepositoryName repository);

  /**
   * The digest {@code tag} points at: from the index while the tag's TTL runs; after it, checked
   * with the upstream (a moved tag's manifest is fetched and indexed); when the upstream fails or
   * no longer has the tag, the cached digest, stale. The manifest the answer names is indexed.
   *
   * @return empty if neither the cache nor the upstream has the tag
   */
  Optional<TagAnswer> tag(RepositoryName repository, Tag tag);

  /**
   * Ensures manifest {@code digest} is stored and indexed in {@code repository} (fetched once,
   * immutable afterwards).
   *
   * @return false if neither the cache nor the upstream has it
   */
  boolean manifest(RepositoryName repository, Digest digest);

  /**
   * Ensures blob {@code digest} is stored and linked in {@code repository} (fetched once, immutable
   * afterwards). With a {@code sink}, a fetch may stream the blob to it while storing it ({@link
   * BlobFill#STREAMED}); concurrent requests for the same blob wait for that one fetch and read the
   * stored blob ({@link BlobFill#STORED}).
   *
   * @param sink the client's response for a whole-blob GET, or null (HEAD, Range)
   */
  BlobFill blob(RepositoryName repository, Digest digest, ClientSink sink);
}
