package io.berth.node.sumdb;

import com.google.protobuf.ByteString;
import io.berth.common.Digest;
import io.berth.common.InvalidCoordinateException;
import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import io.berth.common.SemVer;
import io.berth.node.access.PrivatePatterns;
import io.berth.node.index.SumdbIndex;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BoundedInputStream;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.upstream.GoProxyUpstream;
import io.berth.node.upstream.SingleFlight;
import io.berth.node.upstream.UpstreamFailureException;
import io.berth.node.upstream.UpstreamNotFoundException;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.SumdbObjectRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The checksum-database proxy for the configured databases ({@code /sumdb/<name>/...}).
 *
 * <ul>
 *   <li>Full tiles never change: they are stored as blobs with a {@link SumdbIndex} record, fetched
 *       from upstream once (concurrent misses share one fetch) and kept forever, so an offline node
 *       still serves them.
 *   <li>{@code latest}, partial tiles and lookups are cached node-locally with a short TTL and
 *       served stale when the upstream fails. A partial hash tile is cut from the stored full tile
 *       when there is one (a partial tile is a prefix of its full tile). Signed notes from upstream
 *       are checked against the configured verifier key before they are cached, and the cached
 *       {@code latest} never moves back to a smaller tree.
 *   <li>A lookup of a private module path is refused before anything is sent anywhere (invariant
 *       7).
 * </ul>
 */
public final class SumdbService {
  /** The tile height the go command uses for every go.sum database. */
  public static final int TILE_HEIGHT = 8;

  static final String TEXT = "text/plain; charset=utf-8";
  static final String BINARY = "application/octet-stream";
  private static final int MAX_ANSWER = 1 << 20;
  private static final long MAX_DATA_TILE = 16L << 20;

  /** One configured database. */
  public record Database(String name, VerifierKey key, GoProxyUpstream upstream) {}

  private final Map<String, Database> databases = new LinkedHashMap<>();
  private final List<String> namesLongestFirst;
  private final BlobStore blobs;
  private final SumdbIndex index;
  private final PrivatePatterns privatePatterns;
  private final Duration ttl;
  private final Clock clock;
  private final SingleFlight<String, Object> flights = new SingleFlight<>();
  private final Counter hits;
  private final Counter misses;
  private final Counter stale;

  public SumdbService(
      List<Database> databases,
      BlobStore blobs,
      SumdbIndex index,
      PrivatePatterns privatePatterns,
      Duration ttl,
      Clock clock,
      MeterRegistry metrics) {
    for (Database d : databases) {
      if (!d.name().equals(d.key().name())) {
        throw new IllegalArgumentException(
            "sumdb database '" + d.name() + "' has a verifier key for '" + d.key().name() + "'");
      }
      this.databases.put(d.name(), d);
    }
    List<String> names = new ArrayList<>(this.databases.keySet());
    names.sort(Comparator.comparingInt(String::length).reversed());
    this.namesLongestFirst = List.copyOf(names);
    this.blobs = blobs;
    this.index = index;
    this.privatePatterns = privatePatterns;
    this.ttl = ttl;
    this.clock = clock;
    this.hits = Counter.builder("berth_sumdb_cache").tag("result", "hit").register(metrics);
    this.misses = Counter.builder("berth_sumdb_cache").tag("result", "miss").register(metrics);
    this.stale = Counter.builder("berth_sumdb_cache").tag("result", "stale").register(metrics);
    metrics
        .more()
        .counter(
            "berth_singleflight_waits",
            List.of(io.micrometer.core.instrument.Tag.of("area", "sumdb")),
            flights,
            SingleFlight::waits);
  }

  /** The short TTL of mutable answers. */
  public Duration ttl() {
    return ttl;
  }

  /**
   * Splits a path below {@code /sumdb/} into a configured database name and the rest.
   *
   * @return {@code [name, rest]}, or empty if no configured database matches
   */
  public Optional<String[]> split(String belowSumdb) {
    for (String name : namesLongestFirst) {
      if (belowSumdb.startsWith(name + "/")) {
        return Optional.of(new String[] {name, belowSumdb.substring(name.length() + 1)});
      }
    }
    return Optional.empty();
  }

  /** Whether {@code name} is a configured database. */
  public boolean supported(String name) {
    return databases.containsKey(name);
  }

  /** The verifier key of a configured database. */
  public VerifierKey key(String name) {
    return db(name).key();
  }

  // ---------------------------------------------------------------- latest

  /** The signed tree head ({@code /latest}). */
  public SumdbAnswer latest(String name) {
    Database db = db(name);
    Fetched b =
        mutable(
            db,
            db.name() + "/latest",
            "/latest",
            (old, fresh) -> {
              long n = treeOf(db, fresh).size();
              if (old != null && !old.getNotFound()) {
                byte[] prev = old.getContent().toByteArray();
                try {
                  if (treeOf(db, prev).size() > n) {
                    return prev;
                  }
                } catch (IllegalArgumentException e) {
                  // a corrupt cached copy is replaced
                }
              }
              return fresh;
            });
    return new SumdbAnswer.Bytes(b.content(), b.stale(), TEXT);
  }

  // ---------------------------------------------------------------- lookup

  /**
   * A lookup, {@code /lookup/<escaped path>@<escaped version>}.
   *
   * @throws SumdbException BAD_REQUEST on bad syntax, PRIVATE for private paths (nothing is sent
   *     anywhere), NOT_FOUND when the database does not know the version
   */
  public SumdbAnswer lookup(String name, String escapedModuleAtVersion) {
    Database db = db(name);
    int at = escapedModuleAtVersion.indexOf('@');
    if (at <= 0 || at != escapedModuleAtVersion.lastIndexOf('@')) {
      throw badLookup(escapedModuleAtVersion);
    }
    ModulePath path;
    String version;
    try {
      path = ModulePath.fromEscaped(escapedModuleAtVersion.substring(0, at));
      version = ModuleVersion.unescapeVersion(escapedModuleAtVersion.substring(at + 1));
    } catch (InvalidCoordinateException e) {
      throw new SumdbException(
          SumdbException.Kind.BAD_REQUEST, "bad request: invalid lookup: " + e.getMessage());
    }
    if (!SemVer.isCanonicalModuleVersion(version)) {
      throw badLookup(escapedModuleAtVersion);
    }
    Fetched f = lookupBytes(db, path, version);
    return new SumdbAnswer.Bytes(f.content(), f.stale(), TEXT);
  }

  /**
   * The lookup response for {@code path@version} (for the checksum verifier).
   *
   * @throws SumdbException PRIVATE, NOT_FOUND or UPSTREAM_FAILED
   */
  public byte[] lookupRecord(String name, ModulePath path, String version) {
    return lookupBytes(db(name), path, version).content();
  }

  private Fetched lookupBytes(Database db, ModulePath path, String version) {
    if (privatePatterns.matches(path.value())) {
      throw new SumdbException(
          SumdbException.Kind.PRIVATE,
          "forbidden: "
              + path.value()
              + " is a private module path; it is never looked up in a public checksum database"
              + " (set GONOSUMDB for it on the client)");
    }
    String rel = "/lookup/" + path.escaped() + "@" + ModulePath.escape(version);
    return mutable(
        db,
        db.name() + rel,
        rel,
        (old, fresh) -> {
          LookupResponse r = LookupResponse.parse(fresh);
          treeOf(db, r.signedTree());
          return fresh;
        });
  }

  // ---------------------------------------------------------------- tiles

  /**
   * A tile, {@code tile/<H>/<L>/<N>[.p/<W>]} or {@code tile/<H>/data/<N>[.p/<W>]}.
   *
   * @throws SumdbException BAD_REQUEST for a malformed tile path, NOT_FOUND, UPSTREAM_FAILED
   */
  public SumdbAnswer tile(String name, String tilePath) {
    Database db = db(name);
    TilePath t = TilePath.parse(tilePath);
    String type = t.isData() ? TEXT : BINARY;
    if (t.isFull()) {
      BlobReader r = fullTile(db, t);
      return new SumdbAnswer.Stored(r, r.size(), true, type);
    }
    if (!t.isData()) {
      Optional<BlobReader> full = storedTile(db, t.full());
      if (full.isPresent()) {
        hits.increment();
        return new SumdbAnswer.Stored(full.get(), t.hashTileBytes(), false, type);
      }
    }
    Fetched b =
        mutable(
            db,
            db.name() + "/" + t.path(),
            "/" + t.path(),
            (old, fresh) -> {
              if (!t.isData() && fresh.length != t.hashTileBytes()) {
                throw new IllegalArgumentException(
                    "tile " + t.path() + " has " + fresh.length + " bytes");
              }
              return fresh;
            });
    return new SumdbAnswer.Bytes(b.content(), b.stale(), type);
  }

  /** The content of a hash tile (for inclusion proofs); {@code W * 32} bytes. */
  public byte[] hashTile(String name, TilePath t) {
    SumdbAnswer a = tile(name, t.path());
    if (a instanceof SumdbAnswer.Bytes b) {
      return b.content();
    }
    SumdbAnswer.Stored s = (SumdbAnswer.Stored) a;
    try (InputStream in = s.blob().openRange(0, s.length())) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Optional<BlobReader> storedTile(Database db, TilePath t) {
    return index
        .get(db.name() + "/" + t.path())
        .flatMap(r -> blobs.open(Digest.parse(r.getDigest())));
  }

  private BlobReader fullTile(Database db, TilePath t) {
    Optional<BlobReader> hit = storedTile(db, t);
    if (hit.isPresent()) {
      hits.increment();
      return hit.get();
    }
    misses.increment();
    String key = db.name() + "/" + t.path();
    try {
      flights.run(
          "tile\0" + key,
          () -> {
            if (storedTile(db, t).isPresent()) {
              return Boolean.TRUE;
            }
            if (!db.upstream().enabled()) {
              throw new UpstreamNotFoundException(t.path());
            }
            try (GoProxyUpstream.Response resp = db.upstream().fetch("/" + t.path())) {
              PutExpectation exp =
                  t.isData()
                      ? PutExpectation.any().withMaxSize(MAX_DATA_TILE)
                      : PutExpectation.any().withSize(t.hashTileBytes());
              StoredBlob b = blobs.put(resp.body(), exp);
              index.put(
                  key,
                  SumdbObjectRecord.newBuilder()
                      .setDigest(b.digest().toString())
                      .setSize(b.size())
                      .setStoredUnixMillis(clock.millis())
                      .build());
            }
            return Boolean.TRUE;
          });
    } catch (UpstreamNotFoundException e) {
      throw notFound(db, t.path());
    } catch (UpstreamFailureException | IOException e) {
      throw upstreamFailed(db, e.getMessage());
    } catch (BlobRejectedException e) {
      throw upstreamFailed(db, "served an invalid " + t.path() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw upstreamFailed(db, e.toString());
    }
    return storedTile(db, t).orElseThrow(() -> notFound(db, t.path()));
  }

  // ---------------------------------------------------------------- mutable answers

  /** Chooses what to cache from the previous cached answer (or null) and a fresh, checked one. */
  @FunctionalInterface
  private interface Accept {
    byte[] apply(CachedUpstreamAnswer old, byte[] fresh);
  }

  /**
   * A mutable answer; {@code stale} when it is a cached copy served because the upstream failed.
   */
  private record Fetched(byte[] content, boolean stale) {}

  private Fetched mutable(Database db, String key, String rel, Accept accept) {
    Optional<CachedUpstreamAnswer> cached = index.cachedAnswer(key);
    long now = clock.millis();
    if (cached.isPresent() && now - cached.get().getFetchedUnixMillis() < ttl.toMillis()) {
      hits.increment();
      return new Fetched(cached.get().getContent().toByteArray(), false);
    }
    misses.increment();
    Function<String, Fetched> staleOr =
        problem -> {
          if (cached.isPresent()) {
            stale.increment();
            return new Fetched(cached.get().getContent().toByteArray(), true);
          }
          throw upstreamFailed(db, problem);
        };
    if (!db.upstream().enabled()) {
      if (cached.isPresent()) {
        return staleOr.apply("no upstream");
      }
      throw notFound(db, rel.substring(1));
    }
    try {
      Object v =
          flights
              .run(
                  "answer\0" + key,
                  () -> {
                    byte[] fresh;
                    try (GoProxyUpstream.Response resp = db.upstream().fetch(rel)) {
                      fresh = readLimited(resp.body());
                    }
                    byte[] keep;
                    try {
                      keep = accept.apply(cached.orElse(null), fresh);
                    } catch (IllegalArgumentException e) {
                      throw new UpstreamFailureException(
                          db.name() + " served an invalid " + rel + ": " + e.getMessage());
                    }
                    index.putCachedAnswer(
                        key,
                        CachedUpstreamAnswer.newBuilder()
                            .setFetchedUnixMillis(clock.millis())
                            .setUpstream(db.name())
                            .setContent(ByteString.copyFrom(keep))
                            .build());
                    return keep;
                  })
              .value();
      return new Fetched((byte[]) v, false);
    } catch (UpstreamNotFoundException e) {
      throw notFound(db, rel.substring(1));
    } catch (UpstreamFailureException | IOException | UncheckedIOException e) {
      return staleOr.apply(e.getMessage());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      return staleOr.apply(e.toString());
    }
  }

  // ---------------------------------------------------------------- helpers

  private Database db(String name) {
    Database d = databases.get(name);
    if (d == null) {
      throw new SumdbException(
          SumdbException.Kind.NOT_FOUND,
          "not found: checksum database " + ModulePath.quote(name) + " is not proxied here");
    }
    return d;
  }

  private static TreeHead treeOf(Database db, byte[] signedNote) {
    return TreeHead.parse(SignedNote.open(signedNote, db.key()));
  }

  private static byte[] readLimited(InputStream in) throws IOException {
    byte[] b = new BoundedInputStream(in, MAX_ANSWER + 1L).readAllBytes();
    if (b.length > MAX_ANSWER) {
      throw new UpstreamFailureException("answer larger than " + MAX_ANSWER + " bytes");
    }
    return b;
  }

  private static SumdbException badLookup(String what) {
    return new SumdbException(
        SumdbException.Kind.BAD_REQUEST,
        "bad request: invalid module@version syntax " + ModulePath.quote(what));
  }

  private static SumdbException notFound(Database db, String what) {
    return new SumdbException(
        SumdbException.Kind.NOT_FOUND, "not found: " + what + " in checksum database " + db.name());
  }

  private static SumdbException upstreamFailed(Database db, String problem) {
    return new SumdbException(
        SumdbException.Kind.UPSTREAM_FAILED,
        "checksum database " + db.name() + " unavailable: " + problem);
  }
}
