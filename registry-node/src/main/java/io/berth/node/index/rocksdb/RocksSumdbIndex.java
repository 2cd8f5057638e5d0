package io.berth.node.index.rocksdb;

import com.google.protobuf.InvalidProtocolBufferException;
import io.berth.node.index.IndexException;
import io.berth.node.index.SumdbIndex;
import io.berth.proto.index.v1.SumdbObjectRecord;
import java.util.Optional;
import java.util.function.Consumer;

/** {@link SumdbIndex} on RocksDB. */
public final class RocksSumdbIndex implements SumdbIndex {
  private final RocksIndexStore store;

  public RocksSumdbIndex(RocksIndexStore store) {
    this.store = store;
  }

  @Override
  public Optional<SumdbObjectRecord> get(String key) {
    byte[] raw = store.get(KeyLayout.CF_SUMDB_OBJECTS, KeyLayout.sumdbObject(key));
    return Optional.ofNullable(raw).map(RocksSumdbIndex::parse);
  }

  @Override
  public void put(String key, SumdbObjectRecord record) {
    store.write(
        b ->
            b.put(
                store.cf(KeyLayout.CF_SUMDB_OBJECTS),
                KeyLayout.sumdbObject(key),
                record.toByteArray()));
  }

  @Override
  public void forEach(Consumer<SumdbObjectRecord> visitor) {
    store.scan(KeyLayout.CF_SUMDB_OBJECTS, new byte[0], (k, v) -> visitor.accept(parse(v)));
  }

  private static SumdbObjectRecord parse(byte[] raw) {
    try {
      return SumdbObjectRecord.parseFrom(raw);
    } catch (InvalidProtocolBufferException e) {
      throw new IndexException("corrupt sumdb record", e);
    }
  }
}
