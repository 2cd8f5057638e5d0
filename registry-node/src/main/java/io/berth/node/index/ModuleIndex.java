package io.berth.node.index;

import io.berth.common.ModulePath;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The index of Go module versions and cached upstream answers.
 *
 * <p>Contract: every write is durable when the method returns (synced). Writers must store the
 * blobs a record names before writing the record (DESIGN.md invariant 2); the index does not check
 * the BlobStore.
 */
public interface ModuleIndex {

  /** The record of {@code path@version}, or empty if this node has none. */
  Optional<ModuleVersionRecord> get(ModulePath path, String version);

  /** The versions of {@code path} this node has a record of, in no particular order. */
  List<String> versions(ModulePath path);

  /**
   * Merges {@code update} into the stored record of the same path and version (or stores it as
   * given when there is none): fields that are empty in the stored record are taken from {@code
   * update}; content fields set in both must be equal. Metadata fields ({@code stored_unix_millis},
   * {@code upstream}, {@code origin}, and the {@code .info} file's {@code time_unix_millis}, {@code
   * info_digest}, {@code info_size}) may differ between two observations of one version: the stored
   * value wins.
   *
   * @return the merged record as stored (the stored record itself when {@code update} adds nothing)
   * @throws ModuleVersionConflictException if a field set in both differs (versions are immutable);
   *     nothing is written then
   */
  ModuleVersionRecord merge(ModuleVersionRecord update);

  /** The cached upstream answer stored under {@code key}, or empty. */
  Optional<CachedUpstreamAnswer> cachedAnswer(String key);

  /** Stores (replaces) a cached upstream answer. */
  void putCachedAnswer(String key, CachedUpstreamAnswer answer);

  /** Visits every module version record once (for garbage collection marks and export). */
  void forEachVersion(Consumer<ModuleVersionRecord> visitor);

  /** Visits every cached upstream answer once (the latest stored under each key). */
  void forEachCachedAnswer(Consumer<CachedUpstreamAnswer> visitor);
}
