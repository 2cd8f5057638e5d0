package io.berth.node.index.rocksdb;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.common.ModulePath;
import io.berth.node.index.IndexException;
import io.berth.node.index.ModuleIndex;
import io.berth.node.index.ModuleVersionConflictException;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/** {@link ModuleIndex} on RocksDB. Read-modify-write merges are serialised per key stripe. */
public final class RocksModuleIndex implements ModuleIndex {

  /** Fields that may legitimately differ between two observations of the same version. */
  private static final Set<String> FIRST_WINS =
      Set.of("stored_unix_millis", "upstream", "origin", "time_unix_millis");

  private final RocksIndexStore store;
  private final ReentrantLock[] stripes = new ReentrantLock[64];

  public RocksModuleIndex(RocksIndexStore store) {
    this.store = store;
    for (int i = 0; i < stripes.length; i++) {
      stripes[i] = new ReentrantLock();
    }
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
    ReentrantLock lock =
        stripes[
            Math.floorMod(
                update.getModulePath().hashCode() * 31 + update.getVersion().hashCode(),
                stripes.length)];
    lock.lock();
    try {
      byte[] raw = store.get(KeyLayout.CF_GOMOD_VERSIONS, key);
      ModuleVersionRecord merged;
      if (raw == null) {
        merged = update;
      } else {
        ModuleVersionRecord current = parseRecord(raw);
        ModuleVersionRecord.Builder b = current.toBuilder();
        for (var e : update.getAllFields().entrySet()) {
          FieldDescriptor f = e.getKey();
          boolean set = current.hasField(f);
          if (!set) {
            b.setField(f, e.getValue());
          } else if (!current.getField(f).equals(e.getValue())
              && !FIRST_WINS.contains(f.getName())) {
            throw new ModuleVersionConflictException(
                update.getModulePath(), update.getVersion(), f.getName());
          }
        }
        merged = b.build();
        if (merged.equals(current)) {
          return current;
        }
      }
      ModuleVersionRecord toWrite = merged;
      store.write(
          batch -> batch.put(store.cf(KeyLayout.CF_GOMOD_VERSIONS), key, toWrite.toByteArray()));
      return merged;
    } finally {
      lock.unlock();
    }
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
