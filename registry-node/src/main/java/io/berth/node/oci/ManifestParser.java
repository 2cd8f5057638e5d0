package io.berth.node.oci;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.common.RepositoryName;
import io.berth.node.oci.error.OciErrorCode;
import io.berth.node.oci.error.OciException;
import io.berth.proto.index.v1.OciManifestRecord;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses and checks a pushed manifest: OCI image manifest and index, Docker schema2 manifest and
 * manifest list. It refuses invalid JSON (including duplicate keys, which parsers resolve
 * differently), a {@code mediaType} that disagrees with the Content-Type, index/manifest hybrids
 * (CVE-2021-41190) and malformed descriptors, and extracts what the registry must check and index:
 * the blobs that must exist, the child manifests, the subject, the artifact type and annotations.
 */
public final class ManifestParser {
  public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
  public static final String DOCKER_MANIFEST =
      "application/vnd.docker.distribution.manifest.v2+json";
  public static final String DOCKER_LIST =
      "application/vnd.docker.distribution.manifest.list.v2+json";

  /** The manifest media types this registry stores. */
  public static final Set<String> SUPPORTED =
      Set.of(OCI_MANIFEST, OCI_INDEX, DOCKER_MANIFEST, DOCKER_LIST);

  private static final Set<String> FOREIGN_LAYERS =
      Set.of(
          "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
          "application/vnd.oci.image.layer.nondistributable.v1.tar",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
          "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd");

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

  private ManifestParser() {}

  /** A content descriptor of a manifest. */
  public record Descriptor(String mediaType, Digest digest, long size, boolean foreign) {}

  /** What the registry needs to know about a manifest. */
  public record Parsed(
      String mediaType,
      boolean index,
      List<Descriptor> blobs,
      List<Descriptor> children,
      Optional<Digest> subject,
      String artifactType,
      Map<String, String> annotations) {

    /** Blobs that must be stored and linked in the repository (foreign layers are not). */
    public List<Digest> requiredBlobs() {
      return blobs.stream().filter(d -> !d.foreign()).map(Descriptor::digest).distinct().toList();
    }

    /** Manifests of the same repository this index lists. */
    public List<Digest> requiredManifests() {
      return children.stream().map(Descriptor::digest).distinct().toList();
    }

    /** The index record of this manifest, stored as blob {@code digest} in {@code repository}. */
    public OciManifestRecord record(
        RepositoryName repository, Digest digest, long size, long storedMillis) {
      return OciManifestRecord.newBuilder()
          .setRepository(repository.value())
          .setDigest(digest.toString())
          .setMediaType(mediaType)
          .setSize(size)
          .addAllReferencedDigests(referencedDigests())
          .setSubjectDigest(subject.map(Digest::toString).orElse(""))
          .setArtifactType(artifactType)
          .putAllAnnotations(annotations)
          .setStoredUnixMillis(storedMillis)
          .build();
    }

    /** Every digest the manifest keeps alive (for the index record and garbage collection). */
    public List<String> referencedDigests() {
      List<String> out = new ArrayList<>();
      for (Digest d : requiredBlobs()) {
        out.add(d.toString());
      }
      for (Digest d : requiredManifests()) {
        out.add(d.toString());
      }
      return out;
    }
  }

  /**
   * Parses {@code bytes} pushed with {@code contentType} (the request header, may be null).
   *
   * @throws OciException MANIFEST_INVALID with the reason
   */
  public static Parsed parse(byte[] bytes, String contentType) {
    JsonNode root;
    try {
      root = JSON.readTree(bytes);
    } catch (JsonProcessingException e) {
      throw invalid("invalid JSON: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw invalid("invalid JSON: " + e.getMessage());
    }
    if (root == null || !root.isObject()) {
      throw invalid("a manifest must be a JSON object");
    }
    JsonNode version = root.get("schemaVersion");
    if (version == null || !version.isIntegralNumber() || version.asLong() != 2) {
      throw invalid("schemaVersion must be 2");
    }
    String header = normalise(contentType);
    String body = null;
    if (root.has("mediaType")) {
      JsonNode mt = root.get("mediaType");
      if (!mt.isTextual() || mt.asText().isEmpty()) {
        throw invalid("mediaType must be a non-empty string");
      }
      body = mt.asText();
    }
    if (body != null && header != null && !body.equals(header)) {
      throw invalid(
          "mediaType "
              + ModulePath.quote(body)
              + " differs from the Content-Type "
              + ModulePath.quote(header));
    }
    String type = body != null ? body : header;
    if (type == null) {
      throw invalid("the manifest has no mediaType and the request no Content-Type");
    }
    if (!SUPPORTED.contains(type)) {
      throw invalid(
          "unsupported manifest media type "
              + ModulePath.quote(type)
              + " (supported: OCI image manifest and index, Docker schema2 manifest and list)");
    }
    boolean index = type.equals(OCI_INDEX) || type.equals(DOCKER_LIST);
    List<Descriptor> blobs = new ArrayList<>();
    List<Descriptor> children = new ArrayList<>();
    String artifactType = text(root, "artifactType");
    if (index) {
      if (root.has("config") || root.has("layers")) {
        throw invalid("an index must not have config or layers (index/manifest hybrid)");
      }
      JsonNode manifests = root.get("manifests");
      if (manifests == null || !manifests.isArray()) {
        throw invalid("an index needs a manifests array");
      }
      for (JsonNode m : manifests) {
        children.add(descriptor(m, "manifests[]"));
      }
    } else {
      if (root.has("manifests")) {
        throw invalid("an image manifest must not have manifests (index/manifest hybrid)");
      }
      Descriptor config = descriptor(root.get("config"), "config");
      blobs.add(config);
      JsonNode layers = root.get("layers");
      if (layers == null || !layers.isArray()) {
        throw invalid("an image manifest needs a layers array");
      }
      for (JsonNode l : layers) {
        blobs.add(descriptor(l, "layers[]"));
      }
      if (artifactType.isEmpty()) {
        artifactType = config.mediaType();
      }
    }
    Optional<Digest> subject = Optional.empty();
    if (root.has("subject") && !root.get("subject").isNull()) {
      subject = Optional.of(descriptor(root.get("subject"), "subject").digest());
    }
    return new Parsed(
        type, index, blobs, children, subject, artifactType, annotations(root, "annotations"));
  }

  /** The media type of a Content-Type header without parameters, or null if absent. */
  static String normalise(String contentType) {
    if (contentType == null) {
      return null;
    }
    int semi = contentType.indexOf(';');
    String t = (semi >= 0 ? contentType.substring(0, semi) : contentType).trim();
    return t.isEmpty() ? null : t.toLowerCase(Locale.ROOT);
  }

  private static Descriptor descriptor(JsonNode d, String where) {
    if (d == null || !d.isObject()) {
      throw invalid(where + " must be a descriptor object");
    }
    String mediaType = text(d, "mediaType");
    if (mediaType.isEmpty()) {
      throw invalid(where + " needs a mediaType");
    }
    JsonNode digest = d.get("digest");
    if (digest == null || !digest.isTextual()) {
      throw invalid(where + " needs a digest");
    }
    Digest parsed;
    try {
      parsed = Digest.parse(digest.asText());
    } catch (IllegalArgumentException e) {
      throw invalid(where + " has an invalid digest: " + e.getMessage());
    }
    JsonNode size = d.get("size");
    if (size == null || !size.isIntegralNumber() || size.asLong() < 0) {
      throw invalid(where + " needs a non-negative integer size");
    }
    boolean foreign = false;
    JsonNode urls = d.get("urls");
    if (urls != null) {
      if (!urls.isArray()) {
        throw invalid(where + " urls must be an array");
      }
      foreign = FOREIGN_LAYERS.contains(mediaType) && !urls.isEmpty();
    }
    annotations(d, "annotations");
    return new Descriptor(mediaType, parsed, size.asLong(), foreign);
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return "";
    }
    if (!v.isTextual()) {
      throw invalid(field + " must be a string");
    }
    return v.asText();
  }

  private static Map<String, String> annotations(JsonNode node, String field) {
    JsonNode a = node.get(field);
    if (a == null || a.isNull()) {
      return Map.of();
    }
    if (!a.isObject()) {
      throw invalid(field + " must be an object of strings");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw invalid(field + " values must be strings");
      }
      out.put(e.getKey(), e.getValue().asText());
    }
    return out;
  }

  private static OciException invalid(String why) {
    return new OciException(OciErrorCode.MANIFEST_INVALID, "manifest invalid: " + why, Map.of());
  }
}
