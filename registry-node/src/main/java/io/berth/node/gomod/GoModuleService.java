package io.berth.node.gomod;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.common.InvalidCoordinateException;
import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import io.berth.common.SemVer;
import io.berth.node.access.PrivatePatterns;
import io.berth.node.gomod.zip.ModuleZipValidator;
import io.berth.node.gomod.zip.ZipCheck;
import io.berth.node.index.ModuleIndex;
import io.berth.node.storage.BlobReader;
import io.berth.node.storage.BlobRejectedException;
import io.berth.node.storage.BlobStore;
import io.berth.node.storage.BoundedInputStream;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.upstream.ClientSink;
import io.berth.node.upstream.GoProxyUpstream;
import io.berth.node.upstream.HoldbackOutputStream;
import io.berth.node.upstream.SingleFlight;
import io.berth.node.upstream.TeeInputStream;
import io.berth.node.upstream.UpstreamFailureException;
import io.berth.node.upstream.UpstreamNotFoundException;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.ModuleOrigin;
import io.berth.proto.index.v1.ModuleVersionRecord;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The Go module proxy: serves stored versions, pulls misses through the upstream list (one fetch
 * per node for concurrent misses, streamed to the first client while stored), keeps {@code list}
 * and {@code @latest} answers with a TTL (served stale when upstreams fail), protects private paths
 * (never fetched upstream, never answered 404) and publishes private versions.
 *
 * <p>Every index record is written only after the blobs it names are stored (invariant 2).
 */
public final class GoModuleService {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_SMALL = 1 << 20;
  private static final long MAX_MOD = 16L << 20;
  private static final int ZIP_HOLDBACK = 64 * 1024;

  private final BlobStore blobs;
  private final ModuleIndex index;
  private final GoProxyUpstream upstream;
  private final PrivatePatterns privatePatterns;
  private final PrivatePatterns publishPatterns;
  private final ChecksumVerifier verifier;
  private final Duration answerTtl;
  private final long maxZipBytes;
  private final Path workDir;
  private final Clock clock;
  private final SingleFlight<String, Object> flights = new SingleFlight<>();
  private final ModuleZipValidator zipValidator = new ModuleZipValidator();
  private final Counter hits;
  private final Counter misses;
  private final Counter stale;

  public GoModuleService(
      BlobStore blobs,
      ModuleIndex index,
      GoProxyUpstream upstream,
      PrivatePatterns privatePatterns,
      PrivatePatterns publishPatterns,
      ChecksumVerifier verifier,
      Duration answerTtl,
      long maxZipBytes,
      Path workDir,
      Clock clock,
      MeterRegistry metrics) {
    this.blobs = blobs;
    this.index = index;
    this.upstream = upstream;
    this.privatePatterns = privatePatterns;
    this.publishPatterns = publishPatterns;
    this.verifier = verifier;
    this.answerTtl = answerTtl;
    this.maxZipBytes = maxZipBytes;
    this.workDir = workDir;
    this.clock = clock;
    this.hits = Counter.builder("berth_go_cache").tag("result", "hit").register(metrics);
    this.misses = Counter.builder("berth_go_cache").tag("result", "miss").register(metrics);
    this.stale = Counter.builder("berth_go_cache").tag("result", "stale").register(metrics);
    metrics
        .more()
        .counter(
            "berth_singleflight_waits",
            List.of(io.micrometer.core.instrument.Tag.of("area", "gomod")),
            flights,
            SingleFlight::waits);
    try {
      Files.createDirectories(workDir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Whether {@code path} matches a private pattern. */
  public boolean isPrivate(ModulePath path) {
    return privatePatterns.matches(path.value());
  }

  /** Removes leftovers of interrupted publishes; called at start. */
  public int cleanupWorkDir() {
    int n = 0;
    try (var files = Files.list(workDir)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        Files.deleteIfExists(p);
        n++;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return n;
  }

  // ---------------------------------------------------------------- list and @latest

  /** {@code /@v/list}: known release and pre-release versions, one per line. */
  public GoAnswer list(ModulePath path) {
    List<String> local = localReleases(path);
    if (isPrivate(path)) {
      if (local.isEmpty()) {
        throw privateNotFound(path.value());
      }
      return new GoAnswer.Bytes(joinLines(local), false);
    }
    Mutable m = mutable("list\0" + path.value(), "/" + path.escaped() + "/@v/list");
    if (m == null) {
      if (local.isEmpty()) {
        throw new GoModuleException(GoModuleException.Kind.NOT_FOUND, "not found: " + path.value());
      }
      return new GoAnswer.Bytes(joinLines(local), false);
    }
    if (m.failure != null) {
      if (local.isEmpty()) {
        throw m.failure;
      }
      // every upstream failed and no answer is cached: the versions held here, marked stale
      stale.increment();
      return new GoAnswer.Bytes(joinLines(local), true);
    }
    Map<String, String> lines = new LinkedHashMap<>();
    for (String line : new String(m.content, StandardCharsets.UTF_8).split("\n")) {
      String t = line.trim();
      String v = t.isEmpty() ? "" : t.split("\\s+")[0];
      if (!v.isEmpty() && SemVer.isCanonicalModuleVersion(v) && !SemVer.isPseudo(v)) {
        lines.putIfAbsent(v, t);
      }
    }
    for (String v : local) {
      lines.putIfAbsent(v, v);
    }
    return new GoAnswer.Bytes(joinLines(new ArrayList<>(lines.values())), m.stale);
  }

  /** {@code /@latest}: the .info of the latest version. */
  public GoAnswer latest(ModulePath path) {
    if (isPrivate(path)) {
      return bestLocal(path)
          .map(v -> info(path, v))
          .orElseThrow(() -> privateNotFound(path.value()));
    }
    Mutable m = mutable("latest\0" + path.value(), "/" + path.escaped() + "/@latest");
    if (m == null || m.failure != null) {
      Optional<String> best = bestLocal(path);
      if (best.isPresent()) {
        return info(path, best.get());
      }
      if (m == null) {
        throw new GoModuleException(
            GoModuleException.Kind.NOT_FOUND, "not found: " + path.value() + "@latest");
      }
      throw m.failure;
    }
    return new GoAnswer.Bytes(m.content, m.stale);
  }

  // ---------------------------------------------------------------- .info .mod .zip

  /** {@code /@v/<version>.info} for a canonical version or any other query. */
  public GoAnswer info(ModulePath path, String version) {
    boolean priv = isPrivate(path);
    if (!SemVer.isCanonicalModuleVersion(version) || !path.matchesMajor(version)) {
      if (priv) {
        throw privateNotFound(path.value() + "@" + version);
      }
      if (!SemVer.isCanonicalModuleVersion(version)) {
        Mutable m =
            mutable(
                "info\0" + path.value() + "@" + version,
                "/" + path.escaped() + "/@v/" + ModulePath.escape(version) + ".info");
        if (m == null) {
          throw notFound(path.value() + "@" + version);
        }
        if (m.failure != null) {
          throw m.failure;
        }
        return new GoAnswer.Bytes(m.content, m.stale);
      }
      throw notFound(path.value() + "@" + version + ": invalid version for this module path");
    }
    ModuleVersion mv = new ModuleVersion(path, version);
    return storedOrFetch(mv, File.INFO, null);
  }

  /** {@code /@v/<version>.mod}. */
  public GoAnswer mod(ModulePath path, String version) {
    return storedOrFetch(canonicalOr404(path, version), File.MOD, null);
  }

  /** {@code /@v/<version>.zip}; a miss may be streamed through {@code sink}. */
  public GoAnswer zip(ModulePath path, String version, ClientSink sink) {
    return storedOrFetch(canonicalOr404(path, version), File.ZIP, sink);
  }

  private ModuleVersion canonicalOr404(ModulePath path, String version) {
    try {
      return ModuleVersion.canonical(path, version);
    } catch (InvalidCoordinateException e) {
      if (isPrivate(path)) {
        throw privateNotFound(path.value() + "@" + version);
      }
      throw notFound(path.value() + "@" + version + ": " + e.getMessage());
    }
  }

  private enum File {
    INFO(".info"),
    MOD(".mod"),
    ZIP(".zip");

    final String ext;

    File(String ext) {
      this.ext = ext;
    }
  }

  private static String digestOf(ModuleVersionRecord r, File f) {
    return switch (f) {
      case INFO -> r.getInfoDigest();
      case MOD -> r.getModDigest();
      case ZIP -> r.getZipDigest();
    };
  }

  private Optional<BlobReader> stored(ModuleVersion mv, File f) {
    return index
        .get(mv.path(), mv.version())
        .map(r -> digestOf(r, f))
        .filter(d -> !d.isEmpty())
        .flatMap(d -> blobs.open(Digest.parse(d)));
  }

  private GoAnswer storedOrFetch(ModuleVersion mv, File f, ClientSink sink) {
    Optional<BlobReader> hit = stored(mv, f);
    if (hit.isPresent()) {
      hits.increment();
      return new GoAnswer.Stored(hit.get(), f != File.INFO);
    }
    if (isPrivate(mv.path())) {
      throw privateNotFound(mv.toString());
    }
    misses.increment();
    boolean[] streamed = {false};
    try {
      SingleFlight.Outcome<Object> o =
          flights.run(
              f.name() + "\0" + mv,
              () -> {
                if (stored(mv, f).isPresent()) {
                  return Boolean.TRUE;
                }
                streamed[0] = fetch(mv, f, sink);
                return Boolean.TRUE;
              });
      if (o.leader() && streamed[0]) {
        return new GoAnswer.Streamed();
      }
    } catch (GoModuleException | UncheckedIOException | io.berth.node.storage.StorageException e) {
      throw e;
    } catch (UpstreamNotFoundException e) {
      throw notFound(mv.toString());
    } catch (UpstreamFailureException e) {
      throw new GoModuleException(
          GoModuleException.Kind.UPSTREAM_FAILED, "upstream failed: " + e.getMessage());
    } catch (BlobRejectedException e) {
      throw new GoModuleException(
          e.reason() == BlobRejectedException.Reason.TOO_LARGE
              ? GoModuleException.Kind.TOO_LARGE
              : GoModuleException.Kind.UPSTREAM_FAILED,
          "upstream content rejected: " + e.getMessage());
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new GoModuleException(
          GoModuleException.Kind.UPSTREAM_FAILED, "upstream fetch failed: " + e);
    }
    return stored(mv, f)
        .<GoAnswer>map(r -> new GoAnswer.Stored(r, f != File.INFO))
        .orElseThrow(() -> notFound(mv.toString()));
  }

  /** Fetches one file from upstream, stores it, records it. Returns whether it was streamed. */
  private boolean fetch(ModuleVersion mv, File f, ClientSink sink) throws IOException {
    String rel = "/" + mv.path().escaped() + "/@v/" + ModulePath.escape(mv.version()) + f.ext;
    ModuleVersionRecord.Builder rec = baseRecord(mv);
    try (GoProxyUpstream.Response resp = upstream.fetch(rel)) {
      rec.setUpstream(resp.upstream()).setOrigin(ModuleOrigin.MODULE_ORIGIN_UPSTREAM);
      switch (f) {
        case INFO -> {
          StoredBlob b = blobs.put(resp.body(), PutExpectation.any().withMaxSize(MAX_SMALL));
          InfoFields info = readInfo(b.digest());
          if (!mv.version().equals(info.version())) {
            throw new GoModuleException(
                GoModuleException.Kind.UPSTREAM_FAILED,
                "upstream "
                    + resp.upstream()
                    + " answered "
                    + mv
                    + ".info with Version "
                    + ModulePath.quote(String.valueOf(info.version()))
                    + "; not stored");
          }
          rec.setInfoDigest(b.digest().toString()).setInfoSize(b.size());
          if (info.timeMillis() != null) {
            rec.setTimeUnixMillis(info.timeMillis());
          }
        }
        case MOD -> {
          StoredBlob b = blobs.put(resp.body(), PutExpectation.any().withMaxSize(MAX_MOD));
          String modH1 = goModH1FromSha256(b.digest());
          verify(mv, null, modH1);
          rec.setModDigest(b.digest().toString()).setModSize(b.size()).setModH1(modH1);
        }
        case ZIP -> {
          return fetchZip(mv, resp, rec, sink);
        }
        default -> throw new IllegalStateException();
      }
    }
    index.merge(rec.build());
    return false;
  }

  private boolean fetchZip(
      ModuleVersion mv,
      GoProxyUpstream.Response resp,
      ModuleVersionRecord.Builder rec,
      ClientSink sink)
      throws IOException {
    if (resp.contentLength() > maxZipBytes) {
      throw new GoModuleException(
          GoModuleException.Kind.TOO_LARGE,
          mv + ".zip is larger than the limit of " + maxZipBytes + " bytes");
    }
    boolean tee = sink != null && verifier == ChecksumVerifier.NONE;
    // opened at the first byte the store reads: a store that refuses first (busy) leaves it unsent
    OutputStream client =
        tee ? new io.berth.node.upstream.LazyClientStream(sink, resp.contentLength()) : null;
    try {
      return storeZip(mv, resp, rec, client);
    } catch (IOException | RuntimeException | Error e) {
      // the first client must see a broken response, and its buffers are released
      ClientSink.abort(client);
      throw e;
    }
  }

  private boolean storeZip(
      ModuleVersion mv,
      GoProxyUpstream.Response resp,
      ModuleVersionRecord.Builder rec,
      OutputStream client)
      throws IOException {
    boolean tee = client != null;
    // the first client gets all but the last bytes until the zip is validated and recorded, so a
    // zip Berth rejects never reaches it complete
    HoldbackOutputStream held = tee ? new HoldbackOutputStream(client, ZIP_HOLDBACK) : null;
    InputStream in = tee ? new TeeInputStream(resp.body(), held) : resp.body();
    PutExpectation exp = PutExpectation.any().withMaxSize(maxZipBytes);
    if (resp.contentLength() >= 0) {
      exp = exp.withSize(resp.contentLength());
    }
    StoredBlob zip = blobs.put(in, exp);
    ZipCheck check;
    try {
      check = inspect(zip.digest(), mv);
    } catch (io.berth.node.gomod.zip.ModuleZipException e) {
      throw new GoModuleException(
          GoModuleException.Kind.UPSTREAM_FAILED,
          "upstream " + resp.upstream() + " served an invalid module zip: " + e.getMessage());
    }
    // a zip refused here stays an unreferenced blob: garbage collection removes it (under its lock,
    // and only if nothing else references the same bytes)
    verify(mv, check.h1(), check.goModH1());
    rec.setZipDigest(zip.digest().toString()).setZipSize(zip.size()).setZipH1(check.h1());
    index.merge(rec.build());
    if (held != null) {
      try {
        held.release();
      } catch (IOException e) {
        // the first client went away; the zip is stored and indexed all the same
      }
    }
    return tee;
  }

  /** Checks fetched hashes with the checksum verifier (never for private paths). */
  private void verify(ModuleVersion mv, String zipH1, String modH1) {
    if (verifier == ChecksumVerifier.NONE || isPrivate(mv.path())) {
      return;
    }
    try {
      verifier.verify(mv.path(), mv.version(), zipH1, modH1);
    } catch (ChecksumVerifier.ChecksumMismatchException e) {
      throw new GoModuleException(GoModuleException.Kind.CHECKSUM_MISMATCH, e.getMessage());
    } catch (ChecksumVerifier.ChecksumUnavailableException e) {
      throw new GoModuleException(GoModuleException.Kind.UPSTREAM_FAILED, e.getMessage());
    }
  }

  private ZipCheck inspect(Digest digest, ModuleVersion mv) throws IOException {
    BlobReader reader =
        blobs.open(digest).orElseThrow(() -> new IOException("stored zip vanished"));
    Optional<Path> local = reader.localFile();
    if (local.isPresent()) {
      return zipValidator.check(local.get(), mv.path(), mv.version(), maxZipBytes);
    }
    Path tmp = Files.createTempFile(workDir, "inspect", ".zip");
    try {
      try (InputStream in = reader.openStream()) {
        Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
      }
      return zipValidator.check(tmp, mv.path(), mv.version(), maxZipBytes);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---------------------------------------------------------------- publishing

  /**
   * Publishes {@code path@version} from a module zip read from {@code zip}.
   *
   * @param declaredLength the upload's Content-Length, or -1; a shorter body is a truncated upload
   * @param time the version time for .info (null: now)
   * @throws GoModuleException NOT_PUBLISHABLE for a path outside the publish patterns (before the
   *     body is read), BAD_REQUEST / TOO_LARGE for invalid or oversized zips
   * @throws io.berth.node.index.ModuleVersionConflictException when different content exists
   */
  public PublishResult publish(
      ModulePath path, String version, InputStream zip, long declaredLength, Instant time)
      throws IOException {
    if (!publishPatterns.matches(path.value())) {
      throw new GoModuleException(
          GoModuleException.Kind.NOT_PUBLISHABLE,
          "forbidden: "
              + path.value()
              + " does not match go.publishPatterns "
              + publishPatterns.patterns()
              + " (default: go.privatePatterns; env BERTH_GO_PUBLISH_PATTERNS or"
              + " BERTH_GO_PRIVATE_PATTERNS): only private modules can be published, public"
              + " modules come from the upstream proxies");
    }
    ModuleVersion mv;
    try {
      mv = ModuleVersion.canonical(path, version);
    } catch (InvalidCoordinateException e) {
      throw new GoModuleException(GoModuleException.Kind.BAD_REQUEST, e.getMessage());
    }
    if (declaredLength > maxZipBytes) {
      throw new GoModuleException(
          GoModuleException.Kind.TOO_LARGE,
          "zip is larger than the limit of " + maxZipBytes + " bytes");
    }
    Path tmp = Files.createTempFile(workDir, "publish", ".zip");
    try {
      long n;
      MessageDigest sha256 = Digest.Algorithm.SHA256.newMessageDigest();
      try (OutputStream out =
          new java.security.DigestOutputStream(Files.newOutputStream(tmp), sha256)) {
        n = copyLimited(zip, out, maxZipBytes);
      }
      // known digest: an object store can upload straight to the final key (no server-side copy)
      Digest zipDigest = Digest.of(Digest.Algorithm.SHA256, sha256.digest());
      if (declaredLength >= 0 && n != declaredLength) {
        throw new GoModuleException(
            GoModuleException.Kind.BAD_REQUEST,
            "truncated upload: received " + n + " of " + declaredLength + " bytes");
      }
      ZipCheck check;
      try {
        check = zipValidator.check(tmp, path, version, maxZipBytes);
      } catch (io.berth.node.gomod.zip.ModuleZipException e) {
        throw new GoModuleException(
            GoModuleException.Kind.BAD_REQUEST, "invalid module zip: " + e.getMessage());
      }
      Optional<ModuleVersionRecord> existing = index.get(path, version);
      if (existing.isPresent() && !existing.get().getZipH1().isEmpty()) {
        ModuleVersionRecord r = existing.get();
        if (r.getZipH1().equals(check.h1())) {
          return new PublishResult(
              path.value(), version, r.getZipH1(), r.getModH1(), r.getZipDigest(), false);
        }
        throw new io.berth.node.index.ModuleVersionConflictException(
            path.value(), version, "zip content");
      }
      StoredBlob zipBlob;
      try (InputStream in = Files.newInputStream(tmp)) {
        zipBlob = blobs.put(in, PutExpectation.digest(zipDigest).withSize(n));
      }
      byte[] goMod =
          check.goMod() != null
              ? check.goMod()
              : ("module " + path.value() + "\n").getBytes(StandardCharsets.UTF_8);
      StoredBlob modBlob = blobs.put(new ByteArrayInputStream(goMod), PutExpectation.any());
      Instant t = time == null ? clock.instant() : time;
      Map<String, String> info = new LinkedHashMap<>();
      info.put("Version", version);
      info.put("Time", t.toString());
      StoredBlob infoBlob =
          blobs.put(new ByteArrayInputStream(JSON.writeValueAsBytes(info)), PutExpectation.any());
      ModuleVersionRecord rec =
          baseRecord(mv)
              .setOrigin(ModuleOrigin.MODULE_ORIGIN_PUBLISHED)
              .setZipDigest(zipBlob.digest().toString())
              .setZipSize(zipBlob.size())
              .setZipH1(check.h1())
              .setModDigest(modBlob.digest().toString())
              .setModSize(modBlob.size())
              .setModH1(check.goModH1())
              .setInfoDigest(infoBlob.digest().toString())
              .setInfoSize(infoBlob.size())
              .setTimeUnixMillis(t.toEpochMilli())
              .build();
      index.merge(rec);
      return new PublishResult(
          path.value(), version, check.h1(), check.goModH1(), zipBlob.digest().toString(), true);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  // ---------------------------------------------------------------- helpers

  private ModuleVersionRecord.Builder baseRecord(ModuleVersion mv) {
    return ModuleVersionRecord.newBuilder()
        .setModulePath(mv.path().value())
        .setVersion(mv.version())
        .setStoredUnixMillis(clock.millis());
  }

  private static final class Mutable {
    byte[] content;
    boolean stale;
    GoModuleException failure;
  }

  /**
   * A mutable upstream answer with a TTL: fresh from the index, else refreshed (single-flight),
   * else stale. Returns null when upstreams say "not found" (or none is configured), and a Mutable
   * with {@code failure} set when upstreams failed and nothing is cached.
   */
  private Mutable mutable(String key, String relPath) {
    Optional<CachedUpstreamAnswer> cached = index.cachedAnswer(key);
    long now = clock.millis();
    if (cached.isPresent() && now - cached.get().getFetchedUnixMillis() < answerTtl.toMillis()) {
      hits.increment();
      if (cached.get().getNotFound()) {
        return null;
      }
      Mutable m = new Mutable();
      m.content = cached.get().getContent().toByteArray();
      return m;
    }
    if (!upstream.enabled()) {
      return null;
    }
    try {
      Object v =
          flights
              .run(
                  "answer\0" + key,
                  () -> {
                    try (GoProxyUpstream.Response resp = upstream.fetch(relPath)) {
                      byte[] bytes = readLimited(resp.body(), MAX_SMALL);
                      CachedUpstreamAnswer a =
                          CachedUpstreamAnswer.newBuilder()
                              .setFetchedUnixMillis(clock.millis())
                              .setUpstream(resp.upstream())
                              .setContent(com.google.protobuf.ByteString.copyFrom(bytes))
                              .build();
                      index.putCachedAnswer(key, a);
                      return a;
                    } catch (UpstreamNotFoundException e) {
                      CachedUpstreamAnswer a =
                          CachedUpstreamAnswer.newBuilder()
                              .setFetchedUnixMillis(clock.millis())
                              .setNotFound(true)
                              .build();
                      index.putCachedAnswer(key, a);
                      return a;
                    }
                  })
              .value();
      CachedUpstreamAnswer a = (CachedUpstreamAnswer) v;
      if (a.getNotFound()) {
        return null;
      }
      Mutable m = new Mutable();
      m.content = a.getContent().toByteArray();
      return m;
    } catch (UpstreamFailureException
        | IOException
        | UncheckedIOException
        | java.util.concurrent.TimeoutException e) {
      Mutable m = new Mutable();
      if (cached.isPresent() && !cached.get().getNotFound()) {
        stale.increment();
        m.content = cached.get().getContent().toByteArray();
        m.stale = true;
        return m;
      }
      m.failure =
          new GoModuleException(
              GoModuleException.Kind.UPSTREAM_FAILED, "upstream failed: " + e.getMessage());
      return m;
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private List<String> localReleases(ModulePath path) {
    List<String> out = new ArrayList<>();
    for (String v : index.versions(path)) {
      if (SemVer.isCanonicalModuleVersion(v) && !SemVer.isPseudo(v)) {
        out.add(v);
      }
    }
    out.sort(SemVer.ORDER);
    return out;
  }

  private Optional<String> bestLocal(ModulePath path) {
    List<String> all = new ArrayList<>();
    for (String v : index.versions(path)) {
      if (SemVer.isCanonicalModuleVersion(v)
          && index.get(path, v).map(r -> !r.getInfoDigest().isEmpty()).orElse(false)) {
        all.add(v);
      }
    }
    Comparator<String> order = SemVer.ORDER;
    Optional<String> release =
        all.stream().filter(v -> SemVer.prerelease(v).isEmpty() && !SemVer.isPseudo(v)).max(order);
    if (release.isPresent()) {
      return release;
    }
    Optional<String> pre = all.stream().filter(v -> !SemVer.isPseudo(v)).max(order);
    return pre.isPresent() ? pre : all.stream().max(order);
  }

  private record InfoFields(String version, Long timeMillis) {}

  private InfoFields readInfo(Digest d) {
    String version = null;
    Long time = null;
    try (InputStream in = blobs.open(d).orElseThrow().openStream()) {
      JsonNode n = JSON.readTree(in);
      JsonNode v = n == null ? null : n.get("Version");
      if (v != null && v.isTextual()) {
        version = v.asText();
      }
      JsonNode t = n == null ? null : n.get("Time");
      if (t != null && t.isTextual()) {
        time = Instant.parse(t.asText()).toEpochMilli();
      }
    } catch (IOException | RuntimeException e) {
      // an .info without a parsable time is still served as fetched; a missing Version is refused
    }
    return new InfoFields(version, time);
  }

  /** The {@code h1:} hash of a go.mod file whose sha256 is {@code d} (dirhash over one file). */
  static String goModH1FromSha256(Digest d) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      md.update((d.hex() + "  go.mod\n").getBytes(StandardCharsets.UTF_8));
      return "h1:" + Base64.getEncoder().encodeToString(md.digest());
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] readLimited(InputStream in, int limit) throws IOException {
    byte[] b = new BoundedInputStream(in, limit + 1L).readAllBytes();
    if (b.length > limit) {
      throw new UpstreamFailureException("upstream answer larger than " + limit + " bytes");
    }
    return b;
  }

  private static long copyLimited(InputStream in, OutputStream out, long limit) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buf)) != -1) {
      total += n;
      if (total > limit) {
        throw new GoModuleException(
            GoModuleException.Kind.TOO_LARGE,
            "zip is larger than the limit of " + limit + " bytes");
      }
      out.write(buf, 0, n);
    }
    return total;
  }

  private static byte[] joinLines(List<String> lines) {
    StringBuilder b = new StringBuilder();
    for (String l : lines) {
      b.append(l).append('\n');
    }
    return b.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static GoModuleException notFound(String what) {
    return new GoModuleException(GoModuleException.Kind.NOT_FOUND, "not found: " + what);
  }

  private static GoModuleException privateNotFound(String what) {
    return new GoModuleException(
        GoModuleException.Kind.PRIVATE_NOT_FOUND,
        "forbidden: "
            + what
            + " is a private module path that this registry does not hold;"
            + " it is never fetched from public proxies");
  }
}
