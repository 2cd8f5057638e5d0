package io.berth.node.index.rocksdb;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.node.index.ChangeLog;
import io.berth.node.index.IndexException;
import io.berth.node.index.SumdbIndex;
import io.berth.proto.events.v1.SumdbObjectStored;
import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.SumdbObjectRecord;
import java.util.Optional;
import java.util.function.Consumer;
import org.rocksdb.RocksDBException;
import org.rocksdb.WriteBatch;

/** {@link SumdbIndex} on RocksDB. */
public final class RocksSumdbIndex implements SumdbIndex {
  private final RocksIndexStore store;
  private final RocksChangeLog changes;

  public RocksSumdbIndex(RocksIndexStore store, RocksChangeLog changes) {
    this.store = store;
    this.changes = changes;
  }

  @Override
  public Optional<SumdbObjectRecord> get(String key) {
    byte[] raw = store.get(KeyLayout.CF_SUMDB_OBJECTS, KeyLayout.sumdbObject(key));
    return Optional.ofNullable(raw).map(RocksSumdbIndex::parse);
  }

  @Override
  public void put(String key, SumdbObjectRecord record) {
    changes.record(
        "sumdb:" + key,
        e -> e.setSumdbObjectStored(SumdbObjectStored.newBuilder().setKey(key).setRecord(record)),
        b ->
            b.put(
                store.cf(KeyLayout.CF_SUMDB_OBJECTS),
                KeyLayout.sumdbObject(key),
                record.toByteArray()));
  }

  /** Applies a remote sumdb object into {@code batch} (full tiles are immutable: first wins). */
  ChangeLog.ApplyResult applyRemote(SumdbObjectStored remote, WriteBatch batch)
      throws RocksDBException {
    byte[] k = KeyLayout.sumdbObject(remote.getKey());
    if (store.get(KeyLayout.CF_SUMDB_OBJECTS, k) != null) {
      return ChangeLog.ApplyResult.DUPLICATE;
    }
    batch.put(store.cf(KeyLayout.CF_SUMDB_OBJECTS), k, remote.getRecord().toByteArray());
    return ChangeLog.ApplyResult.APPLIED;
  }

  @Override
  public void forEach(Consumer<SumdbObjectRecord> visitor) {
    store.scan(KeyLayout.CF_SUMDB_OBJECTS, new byte[0], (k, v) -> visitor.accept(parse(v)));
  }

  @Override
  public Optional<CachedUpstreamAnswer> cachedAnswer(String key) {
    byte[] raw = store.get(KeyLayout.CF_SUMDB_ANSWERS, KeyLayout.answer(key));
    if (raw == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(CachedUpstreamAnswer.parseFrom(raw));
    } catch (InvalidProtocolBufferException e) {
      throw new IndexException("corrupt cached sumdb answer " + key, e);
    }
  }

  @Override
  public void putCachedAnswer(String key, CachedUpstreamAnswer answer) {
    store.write(
        b ->
            b.put(
                store.cf(KeyLayout.CF_SUMDB_ANSWERS), KeyLayout.answer(key), answer.toByteArray()));
  }

  private static SumdbObjectRecord parse(byte[] raw) {
    try {
      return SumdbObjectRecord.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      throw new IndexException("corrupt sumdb record", e);
    }
  }
}
