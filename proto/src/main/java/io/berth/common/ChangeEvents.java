package io.berth.common;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
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
   * version's .info, .mod and .zip (those set), a manifest and everything it references, a linked
   * blob, a sumdb object. Tags, deletes and unlinks need none.
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
        e.getManifestPut().getReferencedDigestsList().forEach(d -> add(out, d));
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

  /** {@code <region>/<node>#<seq> <key>}, for logs and error messages. */
  public static String describe(ChangeEvent e) {
    return e.getOriginRegion() + "/" + e.getOriginNode() + "#" + e.getSeq() + " " + e.getKey();
  }

  /** The id of the replication link {@code source -> target}: {@code "<source>-><target>"}. */
  public static String linkId(String sourceRegion, String targetRegion) {
    return sourceRegion + "->" + targetRegion;
  }
}
