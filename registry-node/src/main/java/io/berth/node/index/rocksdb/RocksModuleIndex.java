package io.berth.node.index.rocksdb;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.common.ModulePath;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.IndexException;
import io.berth.node.index.ModuleIndex;
import io.berth.node.index.ModuleVersionConflictException;
import io.berth.proto.events.v1.GoVersionStored;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/** {@link ModuleIndex} on RocksDB. Read-modify-write merges are serialised per key stripe. */
public final class RocksModuleIndex implements ModuleIndex {

  /**
   * Fields that may legitimately differ between two observations of the same version. The {@code
   * .info} file is metadata, not content: two identical publishes (different {@code Time}) or two
   * upstreams may serve different bytes for it, so the first one stored wins. Its {@code Version}
   * is checked by the service before it is recorded.
   */
  private static final Set<String> FIRST_WINS =
      Set.of(
          "stored_unix_millis",
          "upstream",
          "origin",
          "time_unix_millis",
          "info_digest",
          "info_size");

  private final RocksIndexStore store;
  private final RocksChangeLog changes;

  public RocksModuleIndex(RocksIndexStore store, RocksChangeLog changes) {
    this.store = store;
    this.changes = changes;
  }

  @Override
  public Optional<ModuleVersionRecord> get(ModulePath path, String version) {
    byte[] raw =
        store.get(KeyLayout.CF_GOMOD_VERSIONS, KeyLayout.moduleVersion(path.value(), version));
    return Optional.ofNullable(raw).map(RocksModuleIndex::parseRecord);
  }

  @Override
  public List<String> versions(ModulePath path) {
    List<String> out = new ArrayList<>();
    store.scan(
        KeyLayout.CF_GOMOD_VERSIONS,
        KeyLayout.moduleVersionPrefix(path.value()),
        (k, v) -> out.add(KeyLayout.versionOf(k)));
    return out;
  }

  @Override
  public ModuleVersionRecord merge(ModuleVersionRecord update) {
    byte[] key = KeyLayout.moduleVersion(update.getModulePath(), update.getVersion());
    return changes.locked(
        () -> {
          byte[] raw = store.get(KeyLayout.CF_GOMOD_VERSIONS, key);
          ModuleVersionRecord current = raw == null ? null : parseRecord(raw);
          ModuleVersionRecord merged = mergeFields(current, update);
          if (merged == null) {
            throw new ModuleVersionConflictException(
                update.getModulePath(), update.getVersion(), conflictField(current, update));
          }
          if (merged.equals(current)) {
            return current;
          }
          changes.record(
              "go:" + update.getModulePath() + "@" + update.getVersion(),
              e -> e.setGoVersionStored(GoVersionStored.newBuilder().setRecord(merged)),
              batch -> batch.put(store.cf(KeyLayout.CF_GOMOD_VERSIONS), key, merged.toByteArray()));
          return merged;
        });
  }

  /** Applies a record from another node into {@code batch} (caller holds the commit lock). */
  ChangeLog.ApplyResult applyRemote(ModuleVersionRecord remote, WriteBatch batch)
      throws RocksDBException {
    byte[] key = KeyLayout.moduleVersion(remote.getModulePath(), remote.getVersion());
    byte[] raw = store.get(KeyLayout.CF_GOMOD_VERSIONS, key);
    ModuleVersionRecord current = raw == null ? null : parseRecord(raw);
    ModuleVersionRecord merged = mergeFields(current, remote);
    if (merged == null) {
      return ChangeLog.ApplyResult.CONFLICT;
    }
    if (merged.equals(current)) {
      return ChangeLog.ApplyResult.DUPLICATE;
    }
    batch.put(store.cf(KeyLayout.CF_GOMOD_VERSIONS), key, merged.toByteArray());
    return ChangeLog.ApplyResult.APPLIED;
  }

  /**
   * The first content field in which {@code remote} differs from the stored record, as {field,
   * local value, remote value}, or null if it does not conflict.
   */
  String[] conflictOf(ModuleVersionRecord remote) {
    byte[] raw =
        store.get(
            KeyLayout.CF_GOMOD_VERSIONS,
            KeyLayout.moduleVersion(remote.getModulePath(), remote.getVersion()));
    ModuleVersionRecord current = raw == null ? null : parseRecord(raw);
    String field = conflictField(current, remote);
    if (field == null) {
      return null;
    }
    for (String preferred : List.of("zip_h1", "mod_h1")) {
      FieldDescriptor p = ModuleVersionRecord.getDescriptor().findFieldByName(preferred);
      if (current.hasField(p)
          && remote.hasField(p)
          && !current.getField(p).equals(remote.getField(p))) {
        field = preferred;
        break;
      }
    }
    FieldDescriptor f = ModuleVersionRecord.getDescriptor().findFieldByName(field);
    return new String[] {
      field, String.valueOf(current.getField(f)), String.valueOf(remote.getField(f))
    };
  }

  /** The merged record, or null if a content field differs (immutable versions). */
  private static ModuleVersionRecord mergeFields(
      ModuleVersionRecord current, ModuleVersionRecord update) {
    if (current == null) {
      return update;
    }
    return conflictField(current, update) != null ? null : fill(current, update);
  }

  private static ModuleVersionRecord fill(ModuleVersionRecord current, ModuleVersionRecord update) {
    ModuleVersionRecord.Builder b = current.toBuilder();
    for (var e : update.getAllFields().entrySet()) {
      if (!current.hasField(e.getKey())) {
        b.setField(e.getKey(), e.getValue());
      }
    }
    return b.build();
  }

  private static String conflictField(ModuleVersionRecord current, ModuleVersionRecord update) {
    if (current == null) {
      return null;
    }
    for (var e : update.getAllFields().entrySet()) {
      FieldDescriptor f = e.getKey();
      if (current.hasField(f)
          && !current.getField(f).equals(e.getValue())
          && !FIRST_WINS.contains(f.getName())) {
        return f.getName();
      }
    }
    return null;
  }

  @Override
  public Optional<CachedUpstreamAnswer> cachedAnswer(String key) {
    byte[] raw = store.get(KeyLayout.CF_GOMOD_ANSWERS, KeyLayout.answer(key));
    if (raw == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(CachedUpstreamAnswer.parseFrom(raw));
    } catch (InvalidProtocolBufferException e) {
      throw new IndexException("corrupt cached answer " + key, e);
    }
  }

  @Override
  public void putCachedAnswer(String key, CachedUpstreamAnswer answer) {
    store.write(
        batch ->
            batch.put(
                store.cf(KeyLayout.CF_GOMOD_ANSWERS), KeyLayout.answer(key), answer.toByteArray()));
  }

  @Override
  public void forEachVersion(Consumer<ModuleVersionRecord> visitor) {
    store.scan(KeyLayout.CF_GOMOD_VERSIONS, new byte[0], (k, v) -> visitor.accept(parseRecord(v)));
  }

  @Override
  public void forEachCachedAnswer(Consumer<CachedUpstreamAnswer> visitor) {
    store.scan(
        KeyLayout.CF_GOMOD_ANSWERS,
        new byte[0],
        (k, v) -> {
          try {
            visitor.accept(CachedUpstreamAnswer.parseFrom(v));
          } catch (InvalidProtocolBufferException e) {
            throw new IndexException("corrupt cached answer", e);
          }
        });
  }

  private static ModuleVersionRecord parseRecord(byte[] raw) {
    try {
      return ModuleVersionRecord.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      throw new IndexException("corrupt module version record", e);
    }
  }
}
