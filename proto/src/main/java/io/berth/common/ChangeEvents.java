package io.berth.common;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Facts about a {@link ChangeEvent} that every part needs the same way, whatever the change: the
 * blobs it names (the ones that must be stored before the event may be applied or republished,
 * DESIGN.md invariant 2), whether it is a delete, and the module, repository and tag it concerns.
 */
public final class ChangeEvents {
  private ChangeEvents() {}

  /**
   * Whether this build knows the event's change. An event written by a newer schema carries a
   * change this build cannot see ({@code CHANGE_NOT_SET}); its blobs are unknown.
   */
  public static boolean understood(ChangeEvent e) {
    return e.getChangeCase() != ChangeEvent.ChangeCase.CHANGE_NOT_SET;
  }

  /**
   * The digests of the blobs the change needs, without duplicates, in a stable order: a Go
   * version's .info, .mod and .zip (those set), a manifest and everything it references (only its
   * own bytes for a manifest the pull-through cache stored, {@code pull_through_cached}: its
   * references are fetched lazily and may never exist in the origin), a linked blob, a sumdb
   * object. Tags, deletes and unlinks need none.
   *
   * @throws IllegalArgumentException if the change is not {@link #understood}
   */
  public static List<String> requiredBlobs(ChangeEvent e) {
    Set<String> out = new LinkedHashSet<>();
    switch (e.getChangeCase()) {
      case GO_VERSION_STORED -> {
        ModuleVersionRecord r = e.getGoVersionStored().getRecord();
        add(out, r.getInfoDigest());
        add(out, r.getModDigest());
        add(out, r.getZipDigest());
      }
      case MANIFEST_PUT -> {
        add(out, e.getManifestPut().getDigest());
        if (!e.getManifestPut().getPullThroughCached()) {
          e.getManifestPut().getReferencedDigestsList().forEach(d -> add(out, d));
        }
      }
      case BLOB_LINK_ADDED -> add(out, e.getBlobLinkAdded().getDigest());
      case SUMDB_OBJECT_STORED -> add(out, e.getSumdbObjectStored().getRecord().getDigest());
      case TAG_SET, TAG_DELETE, MANIFEST_DELETE, BLOB_LINK_REMOVED -> {}
      case CHANGE_NOT_SET ->
          throw new IllegalArgumentException(
              "event "
                  + describe(e)
                  + " carries a change this build does not know (newer schema "
                  + e.getSchema()
                  + ")");
    }
    return new ArrayList<>(out);
  }

  /**
   * The blobs an event says are stored, with their sizes, as far as the event carries them: a
   * manifest's own bytes, a linked blob, a Go version's .info, .mod and .zip. A size of 0 or less,
   * or an empty digest, is left out. Unlike {@link #requiredBlobs}, never fails: an unknown change
   * names none.
   */
  public static Map<String, Long> storedBlobSizes(ChangeEvent e) {
    Map<String, Long> out = new LinkedHashMap<>();
    switch (e.getChangeCase()) {
      case GO_VERSION_STORED -> {
        ModuleVersionRecord r = e.getGoVersionStored().getRecord();
        put(out, r.getInfoDigest(), r.getInfoSize());
        put(out, r.getModDigest(), r.getModSize());
        put(out, r.getZipDigest(), r.getZipSize());
      }
      case MANIFEST_PUT -> put(out, e.getManifestPut().getDigest(), e.getManifestPut().getSize());
      case BLOB_LINK_ADDED ->
          put(out, e.getBlobLinkAdded().getDigest(), e.getBlobLinkAdded().getSize());
      default -> {}
    }
    return out;
  }

  private static void put(Map<String, Long> out, String digest, long size) {
    if (digest != null && !digest.isEmpty() && size > 0) {
      out.put(digest, size);
    }
  }

  private static void add(Set<String> out, String digest) {
    if (digest != null && !digest.isEmpty()) {
      out.add(digest);
    }
  }

  /** Whether the change removes something (a tombstone): tag or manifest delete, blob unlink. */
  public static boolean isDelete(ChangeEvent e) {
    return switch (e.getChangeCase()) {
      case TAG_DELETE, MANIFEST_DELETE, BLOB_LINK_REMOVED -> true;
      default -> false;
    };
  }

  /** The Go module path the change concerns, if it is a Go change. */
  public static Optional<String> modulePath(ChangeEvent e) {
    return e.hasGoVersionStored()
        ? Optional.of(e.getGoVersionStored().getRecord().getModulePath())
        : Optional.empty();
  }

  /** The OCI repository the change concerns, if it is an OCI change. */
  public static Optional<String> repository(ChangeEvent e) {
    return switch (e.getChangeCase()) {
      case MANIFEST_PUT -> Optional.of(e.getManifestPut().getRepository());
      case TAG_SET -> Optional.of(e.getTagSet().getRepository());
      case TAG_DELETE -> Optional.of(e.getTagDelete().getRepository());
      case MANIFEST_DELETE -> Optional.of(e.getManifestDelete().getRepository());
      case BLOB_LINK_ADDED -> Optional.of(e.getBlobLinkAdded().getRepository());
      case BLOB_LINK_REMOVED -> Optional.of(e.getBlobLinkRemoved().getRepository());
      default -> Optional.empty();
    };
  }

  /** The OCI tag the change concerns, for tag changes. */
  public static Optional<String> tag(ChangeEvent e) {
    return switch (e.getChangeCase()) {
      case TAG_SET -> Optional.of(e.getTagSet().getTag());
      case TAG_DELETE -> Optional.of(e.getTagDelete().getTag());
      default -> Optional.empty();
    };
  }

  /** The artifact key of an OCI tag: {@code oci:<repository>:<tag>}. */
  public static String ociTagKey(String repository, String tag) {
    return "oci:" + repository + ":" + tag;
  }

  /** The artifact key of an OCI manifest by digest: {@code oci:<repository>@<digest>}. */
  public static String ociManifestKey(String repository, String digest) {
    return "oci:" + repository + "@" + digest;
  }

  /**
   * The artifacts whose newest change this event is (the keys of the "where" marks). A Go or sumdb
   * change concerns its event key ({@code go:<module>@<version>}). OCI events are keyed by
   * repository ({@code oci:<repository>}, for per-repository order in the log), so their artifact
   * is derived from the content: a tag change concerns {@link #ociTagKey}, a manifest put or delete
   * {@link #ociManifestKey}. Blob links concern no artifact of their own (a manifest put links its
   * own blob in the same batch). Empty for changes this build does not know.
   */
  public static List<String> artifactKeys(ChangeEvent e) {
    return switch (e.getChangeCase()) {
      case TAG_SET -> List.of(ociTagKey(e.getTagSet().getRepository(), e.getTagSet().getTag()));
      case TAG_DELETE ->
          List.of(ociTagKey(e.getTagDelete().getRepository(), e.getTagDelete().getTag()));
      case MANIFEST_PUT ->
          List.of(
              ociManifestKey(e.getManifestPut().getRepository(), e.getManifestPut().getDigest()));
      case MANIFEST_DELETE ->
          List.of(
              ociManifestKey(
                  e.getManifestDelete().getRepository(), e.getManifestDelete().getDigest()));
      case BLOB_LINK_ADDED, BLOB_LINK_REMOVED, CHANGE_NOT_SET -> List.of();
      default -> e.getKey().isEmpty() ? List.of() : List.of(e.getKey());
    };
  }

  /** {@code <region>/<node>#<seq> <key>}, for logs and error messages. */
  public static String describe(ChangeEvent e) {
    return e.getOriginRegion() + "/" + e.getOriginNode() + "#" + e.getSeq() + " " + e.getKey();
  }

  /** The id of the replication link {@code source -> target}: {@code "<source>-><target>"}. */
  public static String linkId(String sourceRegion, String targetRegion) {
    return sourceRegion + "->" + targetRegion;
  }
}
