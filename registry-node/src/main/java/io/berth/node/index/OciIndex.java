package io.berth.node.index;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.proto.index.v1.OciBlobLinkRecord;
import io.berth.proto.index.v1.OciDescriptor;
import io.berth.proto.index.v1.OciManifestRecord;
import io.berth.proto.index.v1.OciTagRecord;
import io.berth.proto.index.v1.OciUploadSession;
import io.berth.proto.index.v1.OciUpstreamTagRecord;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * The index of OCI repositories: manifests, tags, per-repository blob links, referrers and this
 * node's upload sessions.
 *
 * <p>Contract, checked by {@code OciIndexContract} for every implementation:
 *
 * <ul>
 *   <li>Every mutation is durable when the method returns, and every replicated mutation (manifest,
 *       tag, link) is written together with its change events in one synced batch (invariant 3).
 *   <li>Writers store every blob a record names before writing the record (invariant 2); the index
 *       checks what it can see itself (links and manifests of the repository), never the BlobStore.
 *   <li>Reads see live entries only; deletes leave tombstones that reads never return. Manifests,
 *       tags and links are last-writer-wins registers ordered by {@link LwwStamps}: a local write
 *       always wins over everything this node has applied, a remote write wins only if its stamp is
 *       greater, so nodes converge whatever order events arrive in (invariant 4).
 *   <li>Explicit writes ({@link #putManifest}, {@link #linkBlob}) always take a new stamp and write
 *       their events, even if the entry is already live: a re-push must win over an older remote
 *       delete or retag this node has not applied yet. Deletes of entries that are not live write
 *       nothing.
 *   <li>Upload sessions are local state of this node: not replicated, no events.
 * </ul>
 *
 * Failures of the backing store are reported as {@link IndexException}.
 */
public interface OciIndex {

  /** What {@link #putManifest} is asked to write. */
  record ManifestWrite(
      OciManifestRecord manifest,
      Optional<Tag> tag,
      Collection<Digest> requiredBlobLinks,
      Collection<Digest> requiredManifests) {}

  /** What {@link #putManifest} changed. */
  record ManifestWriteResult(
      OciManifestRecord manifest, boolean manifestCreated, boolean tagChanged) {}

  // ---------------------------------------------------------------- reads

  /** The live manifest {@code digest} of {@code repository}, or empty. */
  Optional<OciManifestRecord> manifest(RepositoryName repository, Digest digest);

  /** The digest {@code tag} points at in {@code repository}, or empty if it is not a live tag. */
  Optional<Digest> tag(RepositoryName repository, Tag tag);

  /**
   * Up to {@code limit} live tags of {@code repository} in byte order, starting after {@code after}
   * (exclusive; null starts at the first tag). Implementations read at most what they return plus
   * the tombstones in between, so a huge {@code limit} costs no more than the tags that exist.
   */
  List<Tag> tags(RepositoryName repository, Tag after, int limit);

  /** Every live tag record of {@code repository} pointing at {@code digest}. */
  List<Tag> tagsOf(RepositoryName repository, Digest digest);

  /** The live link of {@code repository} to blob {@code digest}, or empty. */
  Optional<OciBlobLinkRecord> blobLink(RepositoryName repository, Digest digest);

  /** Whether {@code repository} holds any live manifest, tag or blob link. */
  boolean repositoryExists(RepositoryName repository);

  /**
   * Up to {@code limit} repositories with at least one live manifest, in byte order, after {@code
   * after} (exclusive; null: from the first), skipping those {@code include} rejects (access).
   */
  List<RepositoryName> repositories(
      RepositoryName after, int limit, Predicate<RepositoryName> include);

  /** The live manifests of {@code repository} whose subject is {@code subject}, by digest. */
  List<OciDescriptor> referrers(RepositoryName repository, Digest subject);

  // ---------------------------------------------------------------- writes

  /**
   * Stores a manifest of a repository, the link to its own bytes and optionally a tag pointing at
   * it, in one batch with their events ({@code ManifestPut}, {@code BlobLinkAdded}, {@code
   * TagSet}). The manifest's {@code stamp} is assigned here.
   *
   * @throws OciReferenceMissingException if a required blob link or manifest of the repository is
   *     not live at the moment of the write (checked atomically with it); nothing is written then
   */
  ManifestWriteResult putManifest(ManifestWrite write);

  /**
   * Links blob {@code digest} (already durably stored) to {@code repository}, with a new stamp.
   *
   * @return whether the link is new (false: it was already live and is refreshed)
   */
  boolean linkBlob(RepositoryName repository, Digest digest, long size);

  /**
   * Completes an upload: links blob {@code digest} (already durably stored) to {@code repository}
   * like {@link #linkBlob} and removes upload session {@code uploadId}, atomically (one synced
   * batch, so a completed push costs one index sync instead of two). The default does the two
   * writes in turn.
   *
   * @return whether the link is new
   */
  default boolean linkUploadedBlob(
      RepositoryName repository, Digest digest, long size, String uploadId) {
    boolean created = linkBlob(repository, digest, size);
    deleteUpload(uploadId);
    return created;
  }

  /**
   * Removes the link of {@code repository} to blob {@code digest}, leaving other repositories'
   * links and the blob itself alone (garbage collection removes unreferenced blobs later).
   *
   * @return whether a live link was removed
   */
  boolean unlinkBlob(RepositoryName repository, Digest digest);

  /**
   * Deletes a tag (tombstone).
   *
   * @return whether a live tag was deleted
   */
  boolean deleteTag(RepositoryName repository, Tag tag);

  /**
   * Deletes a manifest (tombstone) together with every tag pointing at it, the link to its own
   * bytes and its referrers entry, in one batch.
   *
   * @return whether a live manifest was deleted
   */
  boolean deleteManifest(RepositoryName repository, Digest digest);

  // ---------------------------------------------------------------- pull-through cache

  /**
   * Stores a manifest fetched from an upstream registry by the pull-through cache: the dedicated
   * index path for cached manifests. Like {@link #putManifest} (same records, same events, a new
   * stamp, the link to its own bytes, the tag if given) but without reference checks: a cached
   * manifest is indexed as soon as its own bytes are stored, before the blobs and child manifests
   * it names, which the cache fetches from the upstream on their own GET (and links then). The
   * caller has durably stored the manifest's bytes. With a tag, {@code check} (the tag's upstream
   * check, local state) is written in the same batch.
   */
  ManifestWriteResult putCachedManifest(
      OciManifestRecord manifest, Optional<Tag> tag, Optional<OciUpstreamTagRecord> check);

  /** The pull-through cache's last upstream check of {@code tag}, or empty (local state). */
  Optional<OciUpstreamTagRecord> upstreamTag(RepositoryName repository, Tag tag);

  /** Creates or replaces a tag's upstream check (local state: no event, not replicated). */
  void putUpstreamTag(OciUpstreamTagRecord check);

  // ---------------------------------------------------------------- upload sessions (local)

  /** Creates or replaces an upload session record (synced). */
  void putUpload(OciUploadSession session);

  /** The upload session {@code id}, or empty. */
  Optional<OciUploadSession> upload(String id);

  /** Removes an upload session record; removing a missing one is not an error. */
  void deleteUpload(String id);

  /**
   * Visits every upload session of this node. Sessions name no digest until they complete and keep
   * their bytes outside the blob store, so garbage collection marks nothing here (ADR 0008).
   */
  void forEachUpload(Consumer<OciUploadSession> visitor);

  // ---------------------------------------------------------------- garbage collection marks

  /**
   * Visits every live manifest of every repository. A manifest keeps its own bytes (its digest) and
   * everything in {@link OciManifestRecord#getReferencedDigestsList()} (config and layers, or child
   * manifests) alive. Tombstones are not visited.
   */
  void forEachManifest(Consumer<OciManifestRecord> visitor);

  /** Visits every live blob link; a linked blob is referenced by its repository. */
  void forEachBlobLink(Consumer<OciBlobLinkRecord> visitor);

  /** Visits every live tag. Tags reference manifests, which {@link #forEachManifest} visits. */
  void forEachTag(Consumer<OciTagRecord> visitor);

  /**
   * Visits every blob digest the OCI index names: each live manifest's own digest and its
   * referenced digests, and each live blob link (whatever its age). A digest may be visited more
   * than once. Garbage collection marks less than this: a blob link that no manifest names counts
   * only while it is younger than the grace period ({@code OciReferences.mark}, ADR 0008). Upload
   * sessions name no digest and are not a grace bound (see {@link #forEachUpload}).
   */
  default void forEachReferencedDigest(Consumer<Digest> visitor) {
    forEachManifest(
        m -> {
          visitor.accept(Digest.parse(m.getDigest()));
          for (String d : m.getReferencedDigestsList()) {
            visitor.accept(Digest.parse(d));
          }
        });
    forEachBlobLink(l -> visitor.accept(Digest.parse(l.getDigest())));
  }
}
