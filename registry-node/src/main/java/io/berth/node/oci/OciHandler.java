package io.berth.node.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.access.AccessPolicy;
import io.berth.node.access.AccessPolicy.Action;
import io.berth.node.http.Exchange;
import io.berth.node.http.HttpHandler;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciErrors;
import io.berth.node.oci.error.OciException;
import io.berth.proto.index.v1.OciDescriptor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OCI distribution API under {@code /v2/}: parses and validates the request ({@link OciRoute}),
 * asks the {@link AccessPolicy} (READ, WRITE or DELETE on the repository) before anything else,
 * calls one {@link OciRegistryService} method and writes the answer. Every error is the spec's JSON
 * body ({@link OciErrors}), including refusals of unsafe paths and overload.
 */
public final class OciHandler implements HttpHandler {
  private static final Logger log = LoggerFactory.getLogger(OciHandler.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String API_VERSION = "Docker-Distribution-API-Version";

  /** The challenge sent with 401 until token auth provides a Bearer realm. */
  static final String CHALLENGE = "Basic realm=\"Berth\"";

  private final OciRegistryService service;
  private final AccessPolicy access;

  private final boolean inlineReads;

  public OciHandler(OciRegistryService service, AccessPolicy access) {
    this(service, access, false);
  }

  /**
   * @param inlineReads whether blob GET/HEAD of linked, stored blobs may be answered on the event
   *     loop ({@link #handleInline}); only for a store that reads local files (ADR 0021)
   */
  public OciHandler(OciRegistryService service, AccessPolicy access, boolean inlineReads) {
    this.service = service;
    this.access = access;
    this.inlineReads = inlineReads;
  }

  /**
   * Answers a blob GET or HEAD on the event loop when the repository may be read, links the blob
   * and the store holds it locally (in memory or as a file sent with zero-copy). Everything else
   * (manifests, misses that may wait for a replica, pull-through repositories, refusals, errors)
   * declines, and {@link #handle} answers it on a worker.
   */
  @Override
  public boolean handleInline(Exchange ex) {
    if (!inlineReads) {
      return false;
    }
    OciRoute route;
    try {
      route = OciRoute.parse(ex.path());
    } catch (OciException e) {
      return false;
    }
    if (route.kind() != OciRoute.Kind.BLOB || !mayRead(route.name())) {
      return false;
    }
    java.util.Optional<OciRegistryService.BlobContent> found =
        service.blobIfLinked(route.name(), route.digest(), ex.header("Range"));
    if (found.isEmpty()) {
      return false;
    }
    OciRegistryService.BlobContent b = found.get();
    if (b.reader().inMemory().isEmpty() && b.reader().localFile().isEmpty()) {
      return false;
    }
    try {
      sendBlob(ex, route, b);
    } catch (IOException e) {
      if (ex.responded()) {
        throw new java.io.UncheckedIOException(e);
      }
      return false;
    }
    return true;
  }

  @Override
  public void handle(Exchange ex) throws Exception {
    try {
      OciRoute route = OciRoute.parse(ex.path());
      switch (route.kind()) {
        case PING -> ping(ex);
        case CATALOG -> catalog(ex);
        case MANIFEST -> manifest(ex, route);
        case BLOB -> blob(ex, route);
        case UPLOAD_START -> startUpload(ex, route);
        case UPLOAD -> upload(ex, route);
        case TAGS -> tags(ex, route);
        case REFERRERS -> referrers(ex, route);
      }
    } catch (Exception e) {
      if (OciErrors.send(ex, e)) {
        return;
      }
      if (ex.responded()) {
        throw e;
      }
      if (e instanceof IOException io && ex.requestBodyFailed()) {
        OciErrors.send(
            ex,
            OciErrors.response(
                OciErrorCode.BLOB_UPLOAD_INVALID,
                "the request body could not be read: " + io.getMessage(),
                Map.of(),
                Map.of("Connection", "close")));
        return;
      }
      if (e instanceof IOException io) {
        // not the client's body: a read error of storage or a file that vanished meanwhile
        log.warn("I/O error on {} {}: {}", ex.method(), ex.path(), io.toString());
        OciErrors.send(
            ex,
            OciErrors.response(
                OciErrorCode.UNAVAILABLE,
                "the registry could not read its storage, retry later",
                Map.of(),
                Map.of()));
        return;
      }
      log.error("unexpected error on {} {}", ex.method(), ex.path(), e);
      OciErrors.send(ex, OciErrorCode.UNKNOWN, "internal error");
    }
  }

  @Override
  public void refuse(Exchange ex, Refusal refusal, String reason) {
    switch (refusal) {
      case BAD_PATH ->
          OciErrors.send(
              ex,
              OciErrors.response(
                  OciErrorCode.NAME_INVALID, "invalid path: " + reason, Map.of(), Map.of()));
      case OVERLOADED ->
          OciErrors.send(
              ex, OciErrors.response(OciErrorCode.TOOMANYREQUESTS, reason, Map.of(), Map.of()));
    }
  }

  // ---------------------------------------------------------------- endpoints

  private void ping(Exchange ex) {
    methods(ex, "GET", "HEAD");
    authorize(Action.READ, "");
    ex.sendBytes(200, "application/json", "{}".getBytes(), headers());
  }

  private void catalog(Exchange ex) throws IOException {
    methods(ex, "GET", "HEAD");
    authorize(Action.READ, "");
    Integer n = pageSize(ex);
    String last = ex.queryParam("last");
    OciRegistryService.CatalogPage page =
        service.catalog(
            n, last == null || last.isEmpty() ? null : OciRoute.repository(last), this::mayRead);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("repositories", page.repositories().stream().map(RepositoryName::value).toList());
    Map<String, String> h = headers();
    page.next().ifPresent(url -> h.put("Link", "<" + url + ">; rel=\"next\""));
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(body), h);
  }

  private void manifest(Exchange ex, OciRoute r) throws IOException {
    switch (ex.method()) {
      case "GET", "HEAD" -> {
        authorize(Action.READ, r.name().value());
        OciRegistryService.ManifestContent m = service.manifest(r.name(), r.tag(), r.digest());
        Map<String, String> h = headers();
        h.put("Content-Type", m.mediaType());
        h.put("Docker-Content-Digest", m.digest().toString());
        h.put("ETag", "\"" + m.digest() + "\"");
        if (!m.warning().isEmpty()) {
          h.put("Warning", "110 berth \"Response is stale: " + headerSafe(m.warning()) + "\"");
        }
        ex.sendBlob(200, m.reader(), 0, m.reader().size(), h);
      }
      case "PUT" -> {
        authorize(Action.WRITE, r.name().value());
        OciRegistryService.ManifestStored s =
            service.putManifest(
                r.name(),
                r.tag(),
                r.digest(),
                ex.header("Content-Type"),
                ex.body(),
                ex.contentLength());
        Map<String, String> h = headers();
        h.put("Location", s.location());
        h.put("Docker-Content-Digest", s.digest().toString());
        s.subject().ifPresent(d -> h.put("OCI-Subject", d.toString()));
        ex.sendEmpty(201, h);
      }
      case "DELETE" -> {
        authorize(Action.DELETE, r.name().value());
        service.deleteManifest(r.name(), r.tag(), r.digest());
        ex.sendEmpty(202, headers());
      }
      default -> throw notAllowed(ex, "GET, HEAD, PUT, DELETE");
    }
  }

  private void blob(Exchange ex, OciRoute r) throws IOException {
    switch (ex.method()) {
      case "GET", "HEAD" -> {
        authorize(Action.READ, r.name().value());
        Map<String, String> h = blobHeaders(r);
        java.util.Optional<OciRegistryService.BlobContent> found =
            service.blob(
                r.name(),
                r.digest(),
                ex.header("Range"),
                ex.isHead() ? null : length -> ex.startStreaming(200, h, length));
        if (found.isEmpty()) {
          return;
        }
        sendBlob(ex, h, found.get());
      }
      case "DELETE" -> {
        authorize(Action.DELETE, r.name().value());
        service.deleteBlob(r.name(), r.digest());
        ex.sendEmpty(202, headers());
      }
      default -> throw notAllowed(ex, "GET, HEAD, DELETE");
    }
  }

  private void startUpload(Exchange ex, OciRoute r) throws IOException {
    methods(ex, "POST");
    authorize(Action.WRITE, r.name().value());
    String mount = ex.queryParam("mount");
    String digest = ex.queryParam("digest");
    OciRegistryService.UploadOutcome outcome;
    if (mount != null) {
      Digest d = OciRoute.digest(mount);
      String fromParam = ex.queryParam("from");
      RepositoryName from =
          fromParam == null || fromParam.isEmpty() ? null : OciRoute.repository(fromParam);
      outcome = service.mount(r.name(), d, from, from != null && mayRead(from));
    } else if (digest != null) {
      outcome =
          service.uploadMonolithic(
              r.name(), OciRoute.digest(digest), ex.body(), ex.contentLength());
    } else {
      outcome = service.startUpload(r.name());
    }
    if (outcome instanceof OciRegistryService.BlobCreated c) {
      created(ex, c);
    } else if (outcome instanceof OciRegistryService.UploadState s) {
      uploadState(ex, 202, s);
    }
  }

  private void upload(Exchange ex, OciRoute r) throws IOException {
    authorize(Action.WRITE, r.name().value());
    switch (ex.method()) {
      case "GET" -> uploadState(ex, 204, service.uploadStatus(r.name(), r.uploadId()));
      case "PATCH" ->
          uploadState(
              ex,
              202,
              service.appendChunk(
                  r.name(), r.uploadId(), chunkRange(ex), ex.body(), ex.contentLength()));
      case "PUT" -> {
        String digest = ex.queryParam("digest");
        if (digest == null || digest.isEmpty()) {
          throw new OciException(
              OciErrorCode.DIGEST_INVALID,
              "the digest query parameter is required to complete an upload",
              Map.of("upload", r.uploadId()));
        }
        created(
            ex,
            service.completeUpload(
                r.name(),
                r.uploadId(),
                OciRoute.digest(digest),
                chunkRange(ex),
                ex.body(),
                ex.contentLength()));
      }
      case "DELETE" -> {
        service.cancelUpload(r.name(), r.uploadId());
        ex.sendEmpty(204, headers());
      }
      default -> throw notAllowed(ex, "GET, PATCH, PUT, DELETE");
    }
  }

  private void tags(Exchange ex, OciRoute r) throws IOException {
    methods(ex, "GET", "HEAD");
    authorize(Action.READ, r.name().value());
    Integer n = pageSize(ex);
    String last = ex.queryParam("last");
    Tag after = null;
    if (last != null && !last.isEmpty()) {
      if (!Tag.isValid(last)) {
        throw new OciException(
            OciErrorCode.UNSUPPORTED,
            "the last query parameter must be a tag",
            Map.of("last", io.berth.common.ModulePath.quote(last)));
      }
      after = Tag.parse(last);
    }
    OciRegistryService.TagPage page = service.tags(r.name(), n, after);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", r.name().value());
    body.put("tags", page.tags().stream().map(Tag::value).toList());
    Map<String, String> h = headers();
    page.next().ifPresent(url -> h.put("Link", "<" + url + ">; rel=\"next\""));
    ex.sendBytes(200, "application/json", JSON.writeValueAsBytes(body), h);
  }

  private void referrers(Exchange ex, OciRoute r) throws IOException {
    methods(ex, "GET", "HEAD");
    authorize(Action.READ, r.name().value());
    OciRegistryService.Referrers refs =
        service.referrers(r.name(), r.digest(), ex.queryParam("artifactType"));
    List<Map<String, Object>> manifests = new ArrayList<>();
    for (OciDescriptor d : refs.manifests()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("mediaType", d.getMediaType());
      m.put("digest", d.getDigest());
      m.put("size", d.getSize());
      if (!d.getArtifactType().isEmpty()) {
        m.put("artifactType", d.getArtifactType());
      }
      if (!d.getAnnotationsMap().isEmpty()) {
        m.put("annotations", d.getAnnotationsMap());
      }
      manifests.add(m);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("schemaVersion", 2);
    body.put("mediaType", ManifestParser.OCI_INDEX);
    body.put("manifests", manifests);
    Map<String, String> h = headers();
    if (refs.filtered()) {
      h.put("OCI-Filters-Applied", "artifactType");
    }
    ex.sendBytes(200, ManifestParser.OCI_INDEX, JSON.writeValueAsBytes(body), h);
  }

  // ---------------------------------------------------------------- helpers

  private static Map<String, String> blobHeaders(OciRoute r) {
    Map<String, String> h = headers();
    h.put("Content-Type", "application/octet-stream");
    h.put("Docker-Content-Digest", r.digest().toString());
    h.put("Accept-Ranges", "bytes");
    h.put("ETag", "\"" + r.digest() + "\"");
    return h;
  }

  private static void sendBlob(Exchange ex, OciRoute r, OciRegistryService.BlobContent b)
      throws IOException {
    sendBlob(ex, blobHeaders(r), b);
  }

  private static void sendBlob(Exchange ex, Map<String, String> h, OciRegistryService.BlobContent b)
      throws IOException {
    long size = b.reader().size();
    if (b.range().isPresent()) {
      ByteRange range = b.range().get();
      h.put("Content-Range", range.contentRange(size));
      ex.sendBlob(206, b.reader(), range.start(), range.length(), h);
    } else {
      ex.sendBlob(200, b.reader(), 0, size, h);
    }
  }

  private void created(Exchange ex, OciRegistryService.BlobCreated c) {
    Map<String, String> h = headers();
    h.put("Location", c.location());
    h.put("Docker-Content-Digest", c.digest().toString());
    ex.sendEmpty(201, h);
  }

  private void uploadState(Exchange ex, int status, OciRegistryService.UploadState s) {
    Map<String, String> h = headers();
    h.put("Location", s.location());
    h.put("Range", s.range());
    h.put("Docker-Upload-UUID", s.id());
    ex.sendEmpty(status, h);
  }

  private static ChunkRange chunkRange(Exchange ex) {
    String cr = ex.header("Content-Range");
    return cr == null || cr.isBlank() ? null : ChunkRange.parse(cr);
  }

  private static Integer pageSize(Exchange ex) {
    String n = ex.queryParam("n");
    if (n == null || n.isEmpty()) {
      return null;
    }
    if (!n.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new OciException(
          OciErrorCode.UNSUPPORTED,
          "the n query parameter must be a non-negative integer",
          Map.of("n", io.berth.common.ModulePath.quote(n)));
    }
    return n.length() > 9 ? Integer.MAX_VALUE : Integer.parseInt(n);
  }

  private void authorize(Action action, String repository) {
    AccessPolicy.Decision d =
        access.decide(
            AccessPolicy.Subject.ANONYMOUS,
            action,
            AccessPolicy.ResourceKind.OCI_REPOSITORY,
            repository);
    if (d.allowed()) {
      return;
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("action", action.name().toLowerCase(java.util.Locale.ROOT));
    detail.put("repository", repository);
    if (d.status() == 401) {
      throw new OciException(
          OciErrorCode.UNAUTHORIZED,
          d.reason().isEmpty() ? "authentication required" : d.reason(),
          detail,
          Map.of("WWW-Authenticate", CHALLENGE));
    }
    throw new OciException(
        OciErrorCode.DENIED,
        d.reason().isEmpty() ? "requested access to the resource is denied" : d.reason(),
        detail);
  }

  private boolean mayRead(RepositoryName repository) {
    return access
        .decide(
            AccessPolicy.Subject.ANONYMOUS,
            Action.READ,
            AccessPolicy.ResourceKind.OCI_REPOSITORY,
            repository.value())
        .allowed();
  }

  private static void methods(Exchange ex, String... allowed) {
    for (String m : allowed) {
      if (m.equals(ex.method())) {
        return;
      }
    }
    throw notAllowed(ex, String.join(", ", allowed));
  }

  private static OciException notAllowed(Exchange ex, String allow) {
    return new OciException(
        OciErrorCode.METHOD_NOT_ALLOWED,
        "method " + ex.method() + " is not allowed here (allowed: " + allow + ")",
        Map.of(),
        Map.of("Allow", allow));
  }

  /** A message as a quoted-string header value: printable ASCII, no quotes or backslashes. */
  static String headerSafe(String text) {
    StringBuilder b = new StringBuilder(Math.min(text.length(), 300));
    for (int i = 0; i < text.length() && b.length() < 300; i++) {
      char c = text.charAt(i);
      b.append(c < 0x20 || c > 0x7e || c == '"' || c == '\\' ? ' ' : c);
    }
    return b.toString();
  }

  private static Map<String, String> headers() {
    Map<String, String> h = new LinkedHashMap<>();
    h.put(API_VERSION, "registry/2.0");
    return h;
  }
}
