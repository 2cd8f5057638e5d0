package io.berth.node.oci;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.OciIndex;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.upstream.ClientSink;
import io.berth.proto.index.v1.OciDescriptor;
import io.berth.proto.index.v1.OciManifestRecord;
import io.berth.proto.index.v1.OciUploadSession;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI distribution API (spec v1.1) over the content-addressed BlobStore and the {@link
 * OciIndex}: blob reads through per-repository links, uploads (monolithic, streamed, chunked,
 * mounts), manifests, tags, the catalog, referrers and deletes. Plain Java: callers have parsed and
 * validated every coordinate and passed the access decision.
 *
 * <p>Every index entry is written only after the blobs it names are durably stored (invariant 2): a
 * blob link after {@link BlobStore#put} returned, a manifest after its own bytes and every blob it
 * names are stored. Upload bytes stream to a per-session file ({@link OciUploads}), never the heap;
 * manifests (bounded by {@code maxManifestBytes}) are the only request bodies read into memory.
 */
public final class OciRegistryService {
  private static final Logger log = LoggerFactory.getLogger(OciRegistryService.class);

  /** The most tags or repositories one list page returns (distribution CVE-2023-2253). */
  public static final int MAX_PAGE = 1000;

  private final BlobStore blobs;
  private final OciIndex index;
  private final OciUploads uploads;
  private final PullThroughCache cache;
  private final OciMissWait missWait;
  private final long maxManifestBytes;
  private final Clock clock;
  private final Duration touchLinksOlderThan;

  public OciRegistryService(
      BlobStore blobs,
      OciIndex index,
      OciUploads uploads,
      PullThroughCache cache,
      long maxManifestBytes,
      Clock clock) {
    this(blobs, index, uploads, cache, maxManifestBytes, clock, Duration.ofHours(12));
  }

  /**
   * @param touchLinksOlderThan a manifest PUT refreshes the modified time of each blob it names
   *     whose link in the repository is older than this (half the GC grace period), so that garbage
   *     collection on another node of the region keeps it until the manifest has reached that node;
   *     younger links keep their blobs alive there anyway (ADR 0008)
   */
  public OciRegistryService(
      BlobStore blobs,
      OciIndex index,
      OciUploads uploads,
      PullThroughCache cache,
      long maxManifestBytes,
      Clock clock,
      Duration touchLinksOlderThan) {
    this(
        blobs,
        index,
        uploads,
        cache,
        OciMissWait.NONE,
        maxManifestBytes,
        clock,
        touchLinksOlderThan);
  }

  /**
   * @param missWait asked when a repository that is not pulled through misses a manifest or blob
   *     (read-your-writes across the nodes of a region)
   * @param touchLinksOlderThan see {@link #OciRegistryService(BlobStore, OciIndex, OciUploads,
   *     PullThroughCache, long, Clock, Duration)}
   */
  public OciRegistryService(
      BlobStore blobs,
      OciIndex index,
      OciUploads uploads,
      PullThroughCache cache,
      OciMissWait missWait,
      long maxManifestBytes,
      Clock clock,
      Duration touchLinksOlderThan) {
    this.blobs = blobs;
    this.index = index;
    this.uploads = uploads;
    this.cache = cache;
    this.missWait = missWait;
    this.maxManifestBytes = maxManifestBytes;
    this.clock = clock;
    this.touchLinksOlderThan = touchLinksOlderThan;
  }

  // ---------------------------------------------------------------- answers

  /** A blob to send, whole or one range of it. */
  public record BlobContent(Digest digest, BlobReader reader, Optional<ByteRange> range) {}

  /** The outcome of a POST on the uploads endpoint. */
  public sealed interface UploadOutcome permits BlobCreated, UploadState {}

  /** A blob now linked in a repository (201, {@code Location: /v2/<name>/blobs/<digest>}). */
  public record BlobCreated(RepositoryName repository, Digest digest) implements UploadOutcome {
    public String location() {
      return "/v2/" + repository + "/blobs/" + digest;
    }
  }

  /** An open upload session (202/204 with {@code Location} and {@code Range}). */
  public record UploadState(RepositoryName repository, String id, long size)
      implements UploadOutcome {
    public String location() {
      return uploadLocation(repository, id);
    }

    /** The {@code Range} header value: {@code 0-<last byte>} ({@code 0-0} when empty). */
    public String range() {
      return "0-" + Math.max(0, size - 1);
    }
  }

  /**
   * A manifest to send with its stored media type; {@code warning} is non-empty when a pull-through
   * tag is served stale (sent as a {@code Warning} header).
   */
  public record ManifestContent(
      Digest digest, String mediaType, BlobReader reader, String warning) {
    public ManifestContent(Digest digest, String mediaType, BlobReader reader) {
      this(digest, mediaType, reader, "");
    }
  }

  /** A stored manifest (201). */
  public record ManifestStored(RepositoryName repository, Digest digest, Optional<Digest> subject) {
    public String location() {
      return "/v2/" + repository + "/manifests/" + digest;
    }
  }

  /** One page of a tags list; {@code next} is the URL of the following page, if any. */
  public record TagPage(RepositoryName repository, List<Tag> tags, Optional<String> next) {}

  /** One page of the catalog. */
  public record CatalogPage(List<RepositoryName> repositories, Optional<String> next) {}

  /** The referrers of a subject; {@code filtered} if an artifactType filter was applied. */
  public record Referrers(List<OciDescriptor> manifests, boolean filtered) {}

  // ---------------------------------------------------------------- blobs

  /**
   * A blob read through {@code repository}; requires the repository's link to it.
   *
   * @throws OciException BLOB_UNKNOWN if the repository has no link (even if another repository's
   *     blob with this digest is stored), RANGE_NOT_SATISFIABLE for a bad range
   */
  public BlobContent blob(RepositoryName repository, Digest digest, String rangeHeader) {
    return blob(repository, digest, rangeHeader, null)
        .orElseThrow(() -> new IllegalStateException("streamed without a sink"));
  }

  /**
   * Like {@link #blob(RepositoryName, Digest, String)}; in a pull-through repository a blob that is
   * not cached yet is fetched from the upstream, and a whole-blob read with a {@code sink} may be
   * streamed to it while it is stored.
   *
   * @param sink the client's response for a whole-blob GET, or null
   * @return empty if the blob was streamed through {@code sink}
   */
  public Optional<BlobContent> blob(
      RepositoryName repository, Digest digest, String rangeHeader, ClientSink sink) {
    if (cache.serves(repository)) {
      PullThroughCache.BlobFill fill =
          cache.blob(
              repository, digest, rangeHeader == null || rangeHeader.isBlank() ? sink : null);
      if (fill == PullThroughCache.BlobFill.STREAMED) {
        return Optional.empty();
      }
      if (fill == PullThroughCache.BlobFill.ABSENT) {
        throw blobUnknown(repository, digest);
      }
    }
    Optional<BlobReader> linked = linkedBlob(repository, digest);
    if (linked.isEmpty() && !cache.serves(repository) && missWait.blob(repository, digest)) {
      linked = linkedBlob(repository, digest);
    }
    BlobReader r = linked.orElseThrow(() -> blobUnknown(repository, digest));
    return Optional.of(new BlobContent(digest, r, ByteRange.parse(rangeHeader, r.size())));
  }

  /**
   * The blob read through {@code repository} when it can be answered at once from this node: the
   * repository is not pulled through, its link to the blob exists and the blob is stored. Never
   * waits and never fetches; empty in every other case (the caller then asks {@link #blob}, which
   * waits for a replica to catch up, fetches upstream or reports the error).
   *
   * @throws OciException RANGE_NOT_SATISFIABLE for a bad range
   */
  public Optional<BlobContent> blobIfLinked(
      RepositoryName repository, Digest digest, String rangeHeader) {
    if (cache.serves(repository)) {
      return Optional.empty();
    }
    return linkedBlob(repository, digest)
        .map(r -> new BlobContent(digest, r, ByteRange.parse(rangeHeader, r.size())));
  }

  private Optional<BlobReader> linkedBlob(RepositoryName repository, Digest digest) {
    if (index.blobLink(repository, digest).isEmpty()) {
      return Optional.empty();
    }
    return blobs.open(digest);
  }

  /**
   * Removes {@code repository}'s link to a blob; other repositories' links and the stored blob stay
   * (garbage collection reclaims unreferenced blobs).
   *
   * @throws OciException BLOB_UNKNOWN if the repository has no link to it
   */
  public void deleteBlob(RepositoryName repository, Digest digest) {
    requireWritable(repository, "delete blobs from");
    if (!index.unlinkBlob(repository, digest)) {
      throw blobUnknown(repository, digest);
    }
  }

  // ---------------------------------------------------------------- uploads

  /** Opens an empty upload session (POST without {@code digest}). */
  public UploadState startUpload(RepositoryName repository) {
    requireWritable(repository, "push to");
    OciUploadSession s = uploads.create(repository);
    return new UploadState(repository, s.getId(), 0);
  }

  /**
   * Stores a whole blob in one request (POST {@code ?digest=}) and links it.
   *
   * @param length the declared Content-Length, or -1
   * @throws OciException DIGEST_INVALID if the content does not hash to {@code digest}; nothing is
   *     stored then
   */
  public BlobCreated uploadMonolithic(
      RepositoryName repository, Digest digest, InputStream body, long length) throws IOException {
    requireWritable(repository, "push to");
    PutExpectation expect = PutExpectation.digest(digest);
    StoredBlob stored = blobs.put(body, length >= 0 ? expect.withSize(length) : expect);
    index.linkBlob(repository, stored.digest(), stored.size());
    return new BlobCreated(repository, stored.digest());
  }

  /**
   * Cross-repository mount (POST {@code ?mount=<digest>&from=<repository>}): links the blob into
   * {@code repository} if it is stored, {@code from} links it and the caller may read {@code from};
   * otherwise opens a new upload session, as the spec requires.
   */
  public UploadOutcome mount(
      RepositoryName repository, Digest digest, RepositoryName from, boolean mayReadFrom) {
    requireWritable(repository, "mount blobs into");
    if (mayReadFrom && from != null && index.blobLink(from, digest).isPresent()) {
      // touch first: it protects the blob from a concurrent garbage collection until linked
      Optional<StoredBlob> stat = blobs.touch(digest) ? blobs.stat(digest) : Optional.empty();
      if (stat.isPresent()) {
        index.linkBlob(repository, digest, stat.get().size());
        return new BlobCreated(repository, digest);
      }
    }
    return startUpload(repository);
  }

  /** The state of an upload session (GET on its URL). */
  public UploadState uploadStatus(RepositoryName repository, String id) {
    try (OciUploads.Handle h = uploads.open(repository, id)) {
      return new UploadState(repository, h.id(), h.size());
    }
  }

  /**
   * Appends a chunk (PATCH). Without a Content-Range the body is streamed onto the end; with one,
   * it must start exactly where the upload ends.
   *
   * @param range the chunk's Content-Range, or null
   * @param length the declared Content-Length, or -1
   * @throws OciException BLOB_UPLOAD_RANGE_INVALID (416) for an out-of-order or repeated chunk,
   *     SIZE_INVALID if the lengths disagree, BLOB_UPLOAD_UNKNOWN for an unknown session
   */
  public UploadState appendChunk(
      RepositoryName repository, String id, ChunkRange range, InputStream body, long length)
      throws IOException {
    requireWritable(repository, "push to");
    try (OciUploads.Handle h = uploads.open(repository, id)) {
      long expected = expectedChunkLength(h, range, length);
      long size = uploads.append(h, body, expected);
      return new UploadState(repository, id, size);
    }
  }

  /**
   * Completes an upload (PUT {@code ?digest=}), optionally with a last chunk in the body: the
   * session's bytes and the chunk are streamed through {@link BlobStore#put}, which hashes them,
   * and the blob is linked. Without a last chunk the session's file is adopted, with the digest its
   * chunks were hashed to as they arrived when the session has it. The session is removed on
   * success and when the digest does not match.
   *
   * @throws OciException DIGEST_INVALID if the content does not hash to {@code digest}
   */
  public BlobCreated completeUpload(
      RepositoryName repository,
      String id,
      Digest digest,
      ChunkRange range,
      InputStream body,
      long length)
      throws IOException {
    requireWritable(repository, "push to");
    try (OciUploads.Handle h = uploads.open(repository, id)) {
      long expected = expectedChunkLength(h, range, length);
      InputStream last = new LengthCheckingInputStream(body, expected, h.id());
      StoredBlob stored;
      try {
        Optional<Path> whole = expected == 0 ? uploads.completeFile(h) : Optional.empty();
        if (whole.isPresent()) {
          PutExpectation expect = PutExpectation.digest(digest);
          Optional<Digest> hashed = uploads.hashedContent(h, digest.algorithm());
          stored = blobs.adopt(whole.get(), hashed.map(expect::withHashed).orElse(expect));
        } else {
          try (InputStream previous = uploads.content(h)) {
            InputStream all = h.size() == 0 ? last : new SequenceInputStream(previous, last);
            stored = blobs.put(all, PutExpectation.digest(digest));
          }
        }
      } catch (BlobRejectedException e) {
        if (e.reason() == BlobRejectedException.Reason.DIGEST_MISMATCH) {
          uploads.discard(h);
        }
        throw e;
      }
      // the link and the end of the session in one synced batch
      index.linkUploadedBlob(repository, stored.digest(), stored.size(), h.id());
      uploads.removeFile(h);
      return new BlobCreated(repository, stored.digest());
    }
  }

  /** Cancels an upload (DELETE on its URL) and reclaims its bytes. */
  public void cancelUpload(RepositoryName repository, String id) {
    try (OciUploads.Handle h = uploads.open(repository, id)) {
      uploads.discard(h);
    }
  }

  private static long expectedChunkLength(OciUploads.Handle h, ChunkRange range, long length) {
    if (range == null) {
      return length;
    }
    if (range.start() != h.size()) {
      throw new OciException(
          OciErrorCode.BLOB_UPLOAD_RANGE_INVALID,
          "chunk starts at "
              + range.start()
              + " but the upload holds "
              + h.size()
              + " bytes; send the chunk starting at "
              + h.size(),
          Map.of("upload", h.id(), "offset", h.size(), "chunkStart", range.start()),
          Map.of(
              "Location",
              uploadLocation(h.repository(), h.id()),
              "Range",
              "0-" + Math.max(0, h.size() - 1),
              "Docker-Upload-UUID",
              h.id()));
    }
    if (length >= 0 && length != range.length()) {
      throw new OciException(
          OciErrorCode.SIZE_INVALID,
          "Content-Length " + length + " differs from the Content-Range length " + range.length(),
          Map.of("upload", h.id(), "contentLength", length, "rangeLength", range.length()));
    }
    return range.length();
  }

  // ---------------------------------------------------------------- manifests

  /**
   * A manifest by tag or digest, with its stored media type.
   *
   * @throws OciException MANIFEST_UNKNOWN
   */
  public ManifestContent manifest(RepositoryName repository, Tag tag, Digest digest) {
    if (cache.serves(repository)) {
      return cachedManifest(repository, tag, digest);
    }
    Optional<ManifestContent> found = findManifest(repository, tag, digest);
    if (found.isEmpty()
        && missWait.manifest(repository, tag != null ? tag.value() : digest.toString())) {
      found = findManifest(repository, tag, digest);
    }
    return found.orElseThrow(() -> manifestUnknown(repository, tag, digest));
  }

  /** A manifest of a pull-through repository: the tag resolved by the cache, misses fetched. */
  private ManifestContent cachedManifest(RepositoryName repository, Tag tag, Digest digest) {
    if (tag == null) {
      if (!cache.manifest(repository, digest)) {
        throw manifestUnknown(repository, null, digest);
      }
      return findManifest(repository, null, digest)
          .orElseThrow(() -> manifestUnknown(repository, null, digest));
    }
    PullThroughCache.TagAnswer answer =
        cache.tag(repository, tag).orElseThrow(() -> manifestUnknown(repository, tag, null));
    ManifestContent m =
        findManifest(repository, null, answer.digest())
            .orElseThrow(() -> manifestUnknown(repository, tag, null));
    return answer.stale()
        ? new ManifestContent(m.digest(), m.mediaType(), m.reader(), answer.warning())
        : m;
  }

  private Optional<ManifestContent> findManifest(
      RepositoryName repository, Tag tag, Digest digest) {
    Optional<Digest> d = tag != null ? index.tag(repository, tag) : Optional.of(digest);
    if (d.isEmpty()) {
      return Optional.empty();
    }
    Optional<OciManifestRecord> m = index.manifest(repository, d.get());
    if (m.isEmpty()) {
      return Optional.empty();
    }
    Optional<BlobReader> r = blobs.open(d.get());
    if (r.isEmpty()) {
      log.error("manifest {} of {} is indexed but its bytes are not stored", d.get(), repository);
      return Optional.empty();
    }
    return Optional.of(new ManifestContent(d.get(), m.get().getMediaType(), r.get()));
  }

  /**
   * Stores a manifest under a tag or its digest: checks it ({@link ManifestParser}), checks that
   * every blob it names is stored and linked in the repository and every child manifest is in the
   * repository, stores its exact bytes as a blob, then writes the index (manifest, link to its
   * bytes, tag) in one batch.
   *
   * @param length the declared Content-Length, or -1
   * @throws OciException MANIFEST_TOO_LARGE (413), MANIFEST_INVALID, DIGEST_INVALID (the bytes do
   *     not hash to the digest in the URL), MANIFEST_BLOB_UNKNOWN (a missing blob or child)
   */
  public ManifestStored putManifest(
      RepositoryName repository,
      Tag tag,
      Digest digest,
      String contentType,
      InputStream body,
      long length)
      throws IOException {
    requireWritable(repository, "push to");
    if (length > maxManifestBytes) {
      throw tooLarge(length);
    }
    byte[] bytes = readBounded(body);
    ManifestParser.Parsed parsed = ManifestParser.parse(bytes, contentType);
    Digest actual =
        Digest.compute(digest != null ? digest.algorithm() : Digest.Algorithm.SHA256, bytes);
    if (digest != null && !digest.equals(actual)) {
      throw new OciException(
          OciErrorCode.DIGEST_INVALID,
          "the manifest's digest is " + actual + ", not " + digest,
          Map.of("digest", digest.toString(), "actual", actual.toString()));
    }
    // the garbage-collection handshake for blobs named without being uploaded: each is recorded
    // (and, if its link is old, refreshed) and checked under GC's lock before the index is written
    List<String> missing = new ArrayList<>();
    for (Digest d : parsed.requiredBlobs()) {
      if (!referenceLinked(repository, d)) {
        missing.add(d.toString());
      }
    }
    for (Digest d : parsed.requiredManifests()) {
      if (!blobs.reference(d)) {
        missing.add(d.toString());
      }
    }
    if (!missing.isEmpty()) {
      throw new io.berth.node.index.OciReferenceMissingException(repository.value(), missing);
    }
    StoredBlob stored =
        blobs.put(
            new ByteArrayInputStream(bytes), PutExpectation.digest(actual).withSize(bytes.length));
    OciManifestRecord record = parsed.record(repository, actual, stored.size(), clock.millis());
    index.putManifest(
        new OciIndex.ManifestWrite(
            record, Optional.ofNullable(tag), parsed.requiredBlobs(), parsed.requiredManifests()));
    return new ManifestStored(repository, actual, parsed.subject());
  }

  private boolean referenceLinked(RepositoryName repository, Digest d) {
    long linked =
        index.blobLink(repository, d).map(l -> l.getLinkedUnixMillis()).orElse(Long.MAX_VALUE);
    if (linked < clock.millis() - touchLinksOlderThan.toMillis()) {
      return blobs.touch(d);
    }
    return blobs.reference(d);
  }

  private byte[] readBounded(InputStream body) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = body.read(buf)) != -1) {
      total += n;
      if (total > maxManifestBytes) {
        throw tooLarge(total);
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  private OciException tooLarge(long size) {
    return new OciException(
        OciErrorCode.MANIFEST_TOO_LARGE,
        "manifest exceeds the limit of " + maxManifestBytes + " bytes",
        Map.of("limit", maxManifestBytes, "size", size),
        Map.of("Connection", "close"));
  }

  /**
   * Deletes a tag, or a manifest by digest together with the tags pointing at it.
   *
   * @throws OciException MANIFEST_UNKNOWN if there is nothing to delete
   */
  public void deleteManifest(RepositoryName repository, Tag tag, Digest digest) {
    requireWritable(repository, "delete from");
    boolean deleted =
        tag != null ? index.deleteTag(repository, tag) : index.deleteManifest(repository, digest);
    if (!deleted) {
      throw manifestUnknown(repository, tag, digest);
    }
  }

  // ---------------------------------------------------------------- lists

  /**
   * A page of {@code repository}'s tags in byte order: at most {@code n} (clamped to {@link
   * #MAX_PAGE}; null means one full page), after {@code last} (exclusive).
   *
   * @throws OciException NAME_UNKNOWN if the repository holds nothing
   */
  public TagPage tags(RepositoryName repository, Integer n, Tag last) {
    if (!index.repositoryExists(repository)) {
      throw new OciException(
          OciErrorCode.NAME_UNKNOWN,
          "repository " + repository + " is not known to this registry",
          Map.of("name", repository.value()));
    }
    int limit = n == null ? MAX_PAGE : Math.max(0, Math.min(n, MAX_PAGE));
    List<Tag> tags = index.tags(repository, last, limit == 0 ? 0 : limit + 1);
    Optional<String> next = Optional.empty();
    if (tags.size() > limit) {
      tags = tags.subList(0, limit);
      next =
          Optional.of(
              "/v2/"
                  + repository
                  + "/tags/list?n="
                  + limit
                  + "&last="
                  + encode(tags.get(limit - 1).value()));
    }
    return new TagPage(repository, List.copyOf(tags), next);
  }

  /**
   * A page of the catalog: repositories with at least one manifest that {@code visible} accepts
   * (the caller's read access), in byte order.
   */
  public CatalogPage catalog(Integer n, RepositoryName last, Predicate<RepositoryName> visible) {
    int limit = n == null ? MAX_PAGE : Math.max(0, Math.min(n, MAX_PAGE));
    if (limit == 0) {
      return new CatalogPage(List.of(), Optional.empty());
    }
    List<RepositoryName> repos = index.repositories(last, limit + 1, visible);
    Optional<String> next = Optional.empty();
    if (repos.size() > limit) {
      repos = repos.subList(0, limit);
      next =
          Optional.of("/v2/_catalog?n=" + limit + "&last=" + encode(repos.get(limit - 1).value()));
    }
    return new CatalogPage(List.copyOf(repos), next);
  }

  /**
   * The manifests of {@code repository} whose subject is {@code subject}, optionally only those of
   * {@code artifactType} (empty list for unknown subjects).
   */
  public Referrers referrers(RepositoryName repository, Digest subject, String artifactType) {
    List<OciDescriptor> all = index.referrers(repository, subject);
    if (artifactType == null || artifactType.isEmpty()) {
      return new Referrers(all, false);
    }
    return new Referrers(
        all.stream().filter(d -> d.getArtifactType().equals(artifactType)).toList(), true);
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Pull-through repositories are read-only: their content is the upstream's, and cached content is
   * never lost through this registry either.
   */
  private void requireWritable(RepositoryName repository, String what) {
    if (cache.serves(repository)) {
      throw new OciException(
          OciErrorCode.DENIED,
          "repository "
              + repository
              + " is a read-only pull-through cache of "
              + cache.describe(repository)
              + "; clients cannot "
              + what
              + " it (push to a repository outside the pull-through prefix, or to the upstream)",
          Map.of("repository", repository.value(), "upstream", cache.describe(repository)));
    }
  }

  static String uploadLocation(RepositoryName repository, String id) {
    return "/v2/" + repository + "/blobs/uploads/" + id;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static OciException blobUnknown(RepositoryName repository, Digest digest) {
    return new OciException(
        OciErrorCode.BLOB_UNKNOWN,
        "blob " + digest + " is unknown to repository " + repository,
        Map.of("repository", repository.value(), "digest", digest.toString()));
  }

  private static OciException manifestUnknown(RepositoryName repository, Tag tag, Digest digest) {
    String ref = tag != null ? tag.value() : digest.toString();
    return new OciException(
        OciErrorCode.MANIFEST_UNKNOWN,
        "manifest " + ref + " is unknown to repository " + repository,
        Map.of("repository", repository.value(), tag != null ? "tag" : "digest", ref));
  }

  /** Checks that a final chunk has the length its request declared. */
  private static final class LengthCheckingInputStream extends java.io.FilterInputStream {
    private final long expected;
    private final String upload;
    private long seen;

    LengthCheckingInputStream(InputStream in, long expected, String upload) {
      super(in);
      this.expected = expected;
      this.upload = upload;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        seen += n;
      }
      if (expected >= 0 && (seen > expected || (n < 0 && seen != expected))) {
        throw new OciException(
            OciErrorCode.SIZE_INVALID,
            "the last chunk has " + seen + " bytes, declared " + expected,
            Map.of("upload", upload, "declared", expected, "received", seen));
      }
      return n;
    }
  }
}
