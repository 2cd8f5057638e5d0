package io.berth.node.events;

import io.berth.common.ChangeEvents;
import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.common.RepositoryName;
import io.berth.common.SemVer;
import io.berth.common.Tag;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ModuleVersionRecord;

/**
 * Checks every field of a remote event that the index stores or parses later (digests, tags,
 * repository names, module paths and versions) before the event is applied or republished, so a
 * malformed event is refused at the door instead of breaking later reads or garbage collection.
 */
public final class EventValidation {
  private EventValidation() {}

  /**
   * @throws InvalidEventException naming the event and the offending field
   * @throws UnsupportedEventException if the change is of a newer schema than this build knows
   */
  public static void check(ChangeEvent e) {
    if (!ChangeEvents.understood(e)) {
      throw new UnsupportedEventException(ChangeEvents.describe(e), e.getSchema());
    }
    try {
      checkFields(e);
    } catch (IllegalArgumentException x) {
      throw new InvalidEventException(ChangeEvents.describe(e), x.getMessage());
    }
  }

  private static void checkFields(ChangeEvent e) {
    if (e.getOriginRegion().isEmpty() || e.getOriginNode().isEmpty() || e.getSeq() <= 0) {
      throw new IllegalArgumentException("it has no origin region, node or sequence");
    }
    switch (e.getChangeCase()) {
      case GO_VERSION_STORED -> {
        ModuleVersionRecord r = e.getGoVersionStored().getRecord();
        ModulePath.of(r.getModulePath());
        if (!SemVer.isValid(r.getVersion())) {
          throw new IllegalArgumentException("version '" + r.getVersion() + "' is not valid");
        }
        optionalDigest("info_digest", r.getInfoDigest());
        optionalDigest("mod_digest", r.getModDigest());
        optionalDigest("zip_digest", r.getZipDigest());
      }
      case MANIFEST_PUT -> {
        var p = e.getManifestPut();
        repository(p.getRepository());
        digest("digest", p.getDigest());
        for (String d : p.getReferencedDigestsList()) {
          digest("referenced_digests", d);
        }
        optionalDigest("subject_digest", p.getSubjectDigest());
        if (p.getSize() < 0) {
          throw new IllegalArgumentException("size " + p.getSize() + " is negative");
        }
      }
      case TAG_SET -> {
        repository(e.getTagSet().getRepository());
        Tag.parse(e.getTagSet().getTag());
        digest("digest", e.getTagSet().getDigest());
      }
      case TAG_DELETE -> {
        repository(e.getTagDelete().getRepository());
        Tag.parse(e.getTagDelete().getTag());
      }
      case MANIFEST_DELETE -> {
        repository(e.getManifestDelete().getRepository());
        digest("digest", e.getManifestDelete().getDigest());
      }
      case BLOB_LINK_ADDED -> {
        repository(e.getBlobLinkAdded().getRepository());
        digest("digest", e.getBlobLinkAdded().getDigest());
        if (e.getBlobLinkAdded().getSize() < 0) {
          throw new IllegalArgumentException("size is negative");
        }
      }
      case BLOB_LINK_REMOVED -> {
        repository(e.getBlobLinkRemoved().getRepository());
        digest("digest", e.getBlobLinkRemoved().getDigest());
      }
      case SUMDB_OBJECT_STORED -> {
        String key = e.getSumdbObjectStored().getKey();
        if (key.isEmpty() || key.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
          throw new IllegalArgumentException("sumdb key '" + key + "' is empty or not printable");
        }
        digest("digest", e.getSumdbObjectStored().getRecord().getDigest());
      }
      case CHANGE_NOT_SET -> {}
    }
  }

  private static void repository(String name) {
    RepositoryName.parse(name);
  }

  private static void digest(String field, String value) {
    try {
      Digest.parse(value);
    } catch (IllegalArgumentException x) {
      throw new IllegalArgumentException(
          field + " '" + value + "' is not a digest: " + x.getMessage());
    }
  }

  private static void optionalDigest(String field, String value) {
    if (!value.isEmpty()) {
      digest(field, value);
    }
  }
}
