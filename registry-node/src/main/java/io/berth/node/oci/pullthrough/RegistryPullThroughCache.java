package io.berth.node.oci.pullthrough;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.index.OciIndex;
import io.berth.node.oci.ManifestParser;
import io.berth.node.oci.PullThroughCache;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import io.berth.node.oci.pullthrough.UpstreamRoutes.Route;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StorageException;
import io.berth.node.storage.StoredBlob;
import io.berth.node.upstream.ClientSink;
import io.berth.node.upstream.HoldbackOutputStream;
import io.berth.node.upstream.RegistryUpstream;
import io.berth.node.upstream.SingleFlight;
import io.berth.node.upstream.TeeInputStream;
import io.berth.node.upstream.UpstreamAuthException;
import io.berth.node.upstream.UpstreamFailureException;
import io.berth.node.upstream.UpstreamNotFoundException;
import io.berth.proto.index.v1.OciUpstreamTagRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pull-through cache of upstream registries ({@link PullThroughCache}) over the BlobStore, the
 * {@link OciIndex} and one {@link RegistryUpstream} per configured prefix.
 *
 * <ul>
 *   <li>Manifests by digest and blobs are immutable: fetched once, verified against their digest
 *       while stored ({@link BlobStore#put} with the expected digest), then always served locally.
 *   <li>Tags are cached with the prefix's TTL. A fresh tag is answered from the index; a stale one
 *       is checked with a manifest HEAD (all four manifest media types accepted) and its {@code
 *       Docker-Content-Digest}; a moved tag's manifest is fetched. When the check fails (upstream
 *       down, error, or 404 because the upstream deleted the tag) the cached tag is served stale
 *       and kept: cached content is never lost. After a failed check the next one waits {@code
 *       min(ttl, 30 s)}, so an upstream outage costs one timeout per tag, not one per request.
 *   <li>Concurrent misses of the same manifest, tag or blob make one upstream request per node
 *       ({@link SingleFlight}). A blob larger than {@link #STREAM_THRESHOLD} (or of unknown size)
 *       is streamed to the first client while it is stored; its last {@link #HOLDBACK} bytes are
 *       sent only after the digest matched, so no client receives a whole wrong blob. The other
 *       clients wait for the fetch and read the stored blob. Smaller blobs are stored first, so a
 *       mismatch reaches every client as an OCI error.
 *   <li>Index discipline: a fetched manifest is indexed ({@link OciIndex#putCachedManifest}, the
 *       dedicated path without reference checks; normal events) only after its bytes are stored;
 *       the blobs and child manifests it names are fetched on their own GET, and a blob is linked
 *       in the repository when it is stored. A blob already stored for another repository is linked
 *       only after the upstream confirmed this repository has it (HEAD), so deduplication never
 *       lets a repository read content it does not hold (CVE-2024-39897).
 * </ul>
 */
public final class RegistryPullThroughCache implements PullThroughCache {
  private static final Logger log = LoggerFactory.getLogger(RegistryPullThroughCache.class);

  /** Blobs up to this size are stored before they are served (a mismatch is a clean error). */
  public static final long STREAM_THRESHOLD = 1L << 20;

  /** Bytes of a streamed blob withheld from its first client until the digest matched. */
  public static final int HOLDBACK = 64 * 1024;

  /** The longest wait before a failed tag check is retried. */
  static final long MAX_RETRY_MILLIS = 30_000;

  private final UpstreamRoutes routes;
  private final BlobStore blobs;
  private final OciIndex index;
  private final long maxManifestBytes;
  private final Clock clock;
  private final SingleFlight<String, Object> flights = new SingleFlight<>();
  private final Counter hits;
  private final Counter misses;
  private final Counter revalidated;
  private final Counter stale;

  public RegistryPullThroughCache(
      UpstreamRoutes routes,
      BlobStore blobs,
      OciIndex index,
      long maxManifestBytes,
      Clock clock,
      MeterRegistry metrics) {
    this.routes = routes;
    this.blobs = blobs;
    this.index = index;
    this.maxManifestBytes = maxManifestBytes;
    this.clock = clock;
    this.hits = Counter.builder("berth_oci_cache").tag("result", "hit").register(metrics);
    this.misses = Counter.builder("berth_oci_cache").tag("result", "miss").register(metrics);
    this.revalidated =
        Counter.builder("berth_oci_cache").tag("result", "revalidated").register(metrics);
    this.stale = Counter.builder("berth_oci_cache").tag("result", "stale").register(metrics);
    metrics
        .more()
        .counter(
            "berth_singleflight_waits",
            List.of(io.micrometer.core.instrument.Tag.of("area", "oci")),
            flights,
            SingleFlight::waits);
  }

  @Override
  public boolean serves(RepositoryName repository) {
    return routes.route(repository).isPresent();
  }

  @Override
  public String describe(RepositoryName repository) {
    return routes.route(repository).map(Route::describe).orElse("");
  }

  private Route routeOf(RepositoryName repository) {
    return routes
        .route(repository)
        .orElseThrow(() -> new IllegalStateException(repository + " is not a cached repository"));
  }

  // ---------------------------------------------------------------- tags

  @Override
  public Optional<TagAnswer> tag(RepositoryName repository, Tag tag) {
    Route route = routeOf(repository);
    Optional<TagAnswer> cached = fromCache(repository, tag, route);
    if (cached.isPresent()) {
      return cached;
    }
    @SuppressWarnings("unchecked")
    Optional<TagAnswer> answer =
        (Optional<TagAnswer>)
            flight(
                "tag\0" + repository + "\0" + tag.value(),
                () -> {
                  Optional<TagAnswer> again = fromCache(repository, tag, route);
                  return again.isPresent() ? again : check(repository, tag, route);
                });
    return answer;
  }

  /** A fresh tag, or a stale one whose last check failed recently; else empty (ask upstream). */
  private Optional<TagAnswer> fromCache(RepositoryName repository, Tag tag, Route route) {
    Optional<Digest> local = index.tag(repository, tag);
    if (local.isEmpty() || index.manifest(repository, local.get()).isEmpty()) {
      return Optional.empty();
    }
    Optional<OciUpstreamTagRecord> check = index.upstreamTag(repository, tag);
    if (check.isEmpty()) {
      return Optional.empty();
    }
    OciUpstreamTagRecord c = check.get();
    long now = clock.millis();
    long ttl = route.tagTtl().toMillis();
    if (c.getDigest().equals(local.get().toString()) && now - c.getCheckedUnixMillis() < ttl) {
      hits.increment();
      return Optional.of(TagAnswer.fresh(local.get()));
    }
    if (c.getFailedUnixMillis() > c.getCheckedUnixMillis()
        && now - c.getFailedUnixMillis() < Math.min(ttl, MAX_RETRY_MILLIS)) {
      stale.increment();
      return Optional.of(new TagAnswer(local.get(), true, c.getFailure()));
    }
    return Optional.empty();
  }

  /** Asks the upstream about a tag (inside the tag's flight). */
  private Optional<TagAnswer> check(RepositoryName repository, Tag tag, Route route) {
    Optional<Digest> local = index.tag(repository, tag);
    String remote = route.remoteName(repository);
    try {
      Digest target = null;
      if (local.isPresent()) {
        Optional<String> head = route.upstream().manifestDigest(remote, tag.value());
        if (head.isPresent()) {
          Digest d = upstreamDigest(route, head.get());
          if (d.equals(local.get()) && index.manifest(repository, d).isPresent()) {
            index.putUpstreamTag(checked(repository, tag, d, route));
            revalidated.increment();
            return Optional.of(TagAnswer.fresh(d));
          }
          target = d;
        }
      }
      Digest d = fetchManifest(repository, route, tag.value(), target, Optional.of(tag));
      (local.isPresent() ? revalidated : misses).increment();
      return Optional.of(TagAnswer.fresh(d));
    } catch (UpstreamNotFoundException e) {
      if (local.isPresent()) {
        return Optional.of(
            staleTag(
                repository,
                tag,
                local.get(),
                route,
                "the upstream " + route.upstream().url() + " no longer has " + remote + ":" + tag));
      }
      return Optional.empty();
    } catch (UpstreamFailureException e) {
      if (local.isPresent()) {
        return Optional.of(staleTag(repository, tag, local.get(), route, e.getMessage()));
      }
      throw failure(route, repository, e);
    } catch (OciException e) {
      if (local.isPresent()) {
        return Optional.of(staleTag(repository, tag, local.get(), route, e.getMessage()));
      }
      throw e;
    }
  }

  private TagAnswer staleTag(
      RepositoryName repository, Tag tag, Digest local, Route route, String why) {
    log.warn("serving {}:{} stale: {}", repository, tag, why);
    OciUpstreamTagRecord previous =
        index
            .upstreamTag(repository, tag)
            .orElse(
                OciUpstreamTagRecord.newBuilder()
                    .setRepository(repository.value())
                    .setTag(tag.value())
                    .setDigest(local.toString())
                    .setUpstream(route.upstream().url())
                    .build());
    index.putUpstreamTag(
        previous.toBuilder().setFailedUnixMillis(clock.millis()).setFailure(why).build());
    stale.increment();
    return new TagAnswer(local, true, why);
  }

  private OciUpstreamTagRecord checked(RepositoryName repository, Tag tag, Digest d, Route route) {
    return OciUpstreamTagRecord.newBuilder()
        .setRepository(repository.value())
        .setTag(tag.value())
        .setDigest(d.toString())
        .setCheckedUnixMillis(clock.millis())
        .setUpstream(route.upstream().url())
        .build();
  }

  // ---------------------------------------------------------------- manifests

  @Override
  public boolean manifest(RepositoryName repository, Digest digest) {
    if (manifestCached(repository, digest)) {
      hits.increment();
      return true;
    }
    Route route = routeOf(repository);
    misses.increment();
    return (Boolean)
        flight(
            "manifest\0" + repository + "\0" + digest,
            () -> {
              if (manifestCached(repository, digest)) {
                return Boolean.TRUE;
              }
              try {
                fetchManifest(repository, route, digest.toString(), digest, Optional.empty());
                return Boolean.TRUE;
              } catch (UpstreamNotFoundException e) {
                return Boolean.FALSE;
              } catch (UpstreamFailureException e) {
                throw failure(route, repository, e);
              }
            });
  }

  private boolean manifestCached(RepositoryName repository, Digest digest) {
    return index.manifest(repository, digest).isPresent() && blobs.stat(digest).isPresent();
  }

  /**
   * Fetches a manifest, checks it hashes to the digest expected (the reference, the HEAD's digest
   * or the GET's {@code Docker-Content-Digest}), stores its bytes, then indexes it (with the tag).
   */
  private Digest fetchManifest(
      RepositoryName repository,
      Route route,
      String reference,
      Digest expected,
      Optional<Tag> tag) {
    String remote = route.remoteName(repository);
    RegistryUpstream.Manifest m = route.upstream().manifest(remote, reference, maxManifestBytes);
    Digest claimed =
        expected != null
            ? expected
            : m.digestHeader() == null ? null : upstreamDigest(route, m.digestHeader());
    Digest actual =
        Digest.compute(claimed != null ? claimed.algorithm() : Digest.Algorithm.SHA256, m.bytes());
    if (claimed != null && !claimed.equals(actual)) {
      throw new OciException(
          OciErrorCode.UPSTREAM_DIGEST_INVALID,
          "the upstream "
              + route.upstream().url()
              + " served manifest "
              + remote
              + ":"
              + reference
              + " whose bytes hash to "
              + actual
              + ", not "
              + claimed
              + "; nothing was stored",
          Map.of(
              "repository",
              repository.value(),
              "reference",
              reference,
              "digest",
              claimed.toString(),
              "actual",
              actual.toString()));
    }
    ManifestParser.Parsed parsed;
    try {
      parsed = ManifestParser.parse(m.bytes(), m.contentType());
    } catch (OciException e) {
      throw new OciException(
          OciErrorCode.UPSTREAM_MANIFEST_INVALID,
          "the upstream "
              + route.upstream().url()
              + " served a manifest for "
              + remote
              + ":"
              + reference
              + " that this registry cannot store ("
              + e.getMessage()
              + "); nothing was stored",
          Map.of("repository", repository.value(), "reference", reference));
    }
    StoredBlob stored;
    try {
      stored =
          blobs.put(
              new ByteArrayInputStream(m.bytes()),
              PutExpectation.digest(actual).withSize(m.bytes().length));
    } catch (IOException e) {
      throw new StorageException("storing manifest " + actual + " failed: " + e.getMessage(), e);
    }
    index.putCachedManifest(
        parsed.record(repository, actual, stored.size(), clock.millis()),
        tag,
        tag.map(t -> checked(repository, t, actual, route)));
    log.info("cached manifest {}@{} from {}", repository, actual, route.upstream().url());
    return actual;
  }

  private static Digest upstreamDigest(Route route, String header) {
    try {
      return Digest.parse(header.trim());
    } catch (IllegalArgumentException e) {
      throw new UpstreamFailureException(
          route.upstream().url() + " sent an invalid Docker-Content-Digest: " + e.getMessage());
    }
  }

  // ---------------------------------------------------------------- blobs

  @Override
  public BlobFill blob(RepositoryName repository, Digest digest, ClientSink sink) {
    if (blobCached(repository, digest)) {
      hits.increment();
      return BlobFill.STORED;
    }
    Route route = routeOf(repository);
    misses.increment();
    boolean[] streamed = {false};
    SingleFlight.Outcome<Object> o =
        flightOutcome(
            "blob\0" + repository + "\0" + digest,
            () -> fetchBlob(repository, digest, route, sink, streamed));
    if (o.leader() && streamed[0]) {
      return BlobFill.STREAMED;
    }
    return (BlobFill) o.value();
  }

  private boolean blobCached(RepositoryName repository, Digest digest) {
    return index.blobLink(repository, digest).isPresent() && blobs.stat(digest).isPresent();
  }

  private BlobFill fetchBlob(
      RepositoryName repository, Digest digest, Route route, ClientSink sink, boolean[] streamed)
      throws IOException {
    if (blobCached(repository, digest)) {
      return BlobFill.STORED;
    }
    String remote = route.remoteName(repository);
    try {
      Optional<StoredBlob> here = blobs.stat(digest);
      if (here.isPresent()) {
        if (!route.upstream().hasBlob(remote, digest.toString())) {
          return BlobFill.ABSENT;
        }
        // the GC handshake for a blob linked without being stored (ADR 0008): if garbage
        // collection removed it meanwhile, it is fetched below like any missing blob
        if (blobs.touch(digest)) {
          index.linkBlob(repository, digest, here.get().size());
          return BlobFill.STORED;
        }
      }
      try (RegistryUpstream.Blob b = route.upstream().blob(remote, digest.toString())) {
        PutExpectation expect = PutExpectation.digest(digest);
        if (b.length() >= 0) {
          expect = expect.withSize(b.length());
        }
        boolean tee = sink != null && (b.length() < 0 || b.length() > STREAM_THRESHOLD);
        StoredBlob stored;
        HoldbackOutputStream client = null;
        if (tee) {
          // the response starts with the first byte the store reads (a busy store refuses first)
          client =
              new HoldbackOutputStream(
                  new io.berth.node.upstream.LazyClientStream(sink, b.length()), HOLDBACK);
          streamed[0] = true;
          try {
            stored = blobs.put(new TeeInputStream(b.body(), client), expect);
            index.linkBlob(repository, digest, stored.size());
          } catch (IOException | RuntimeException | Error e) {
            // the first client sees a broken response; its buffers are released
            client.abort();
            throw e;
          }
        } else {
          stored = blobs.put(b.body(), expect);
          index.linkBlob(repository, digest, stored.size());
        }
        log.info(
            "cached blob {}@{} ({} bytes) from {}",
            repository,
            digest,
            stored.size(),
            route.upstream().url());
        if (client != null) {
          try {
            client.release();
          } catch (IOException e) {
            // the first client went away; the blob is stored and linked all the same
          }
        }
        return BlobFill.STORED;
      }
    } catch (UpstreamNotFoundException e) {
      return BlobFill.ABSENT;
    } catch (UpstreamFailureException e) {
      throw failure(route, repository, e);
    } catch (BlobRejectedException e) {
      throw new OciException(
          OciErrorCode.UPSTREAM_DIGEST_INVALID,
          "the upstream "
              + route.upstream().url()
              + " served blob "
              + digest
              + " of "
              + remote
              + " with other content ("
              + e.getMessage()
              + "); nothing was stored",
          Map.of("repository", repository.value(), "digest", digest.toString()));
    } catch (IOException e) {
      throw new OciException(
          OciErrorCode.UNAVAILABLE,
          "fetching blob "
              + digest
              + " from the upstream "
              + route.describe()
              + " failed: "
              + e.getMessage()
              + "; nothing was stored",
          Map.of("repository", repository.value(), "digest", digest.toString()));
    }
  }

  // ---------------------------------------------------------------- helpers

  private static OciException failure(
      Route route, RepositoryName repository, UpstreamFailureException e) {
    if (e instanceof UpstreamAuthException) {
      return new OciException(
          OciErrorCode.DENIED,
          "the upstream registry of "
              + route.describe()
              + " refused this registry: "
              + e.getMessage()
              + " (check the username/password of this prefix in oci.upstreams)",
          Map.of("repository", repository.value(), "upstream", route.upstream().url()));
    }
    return new OciException(
        OciErrorCode.UNAVAILABLE,
        "the upstream registry "
            + route.describe()
            + " is unavailable and "
            + repository
            + " has nothing cached for this request: "
            + e.getMessage(),
        Map.of("repository", repository.value(), "upstream", route.upstream().url()));
  }

  private Object flight(String key, SingleFlight.Work<Object> work) {
    return flightOutcome(key, work).value();
  }

  private SingleFlight.Outcome<Object> flightOutcome(String key, SingleFlight.Work<Object> work) {
    try {
      return flights.run(key, work);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new OciException(
          OciErrorCode.UNAVAILABLE, "the pull-through fetch failed: " + e.getMessage(), Map.of());
    }
  }
}
