package io.berth.node.index;

import io.berth.proto.index.v1.SumdbObjectRecord;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The index of immutable checksum-database objects (full tiles) stored as blobs, keyed by {@code
 * <database name>/<path below /sumdb/<name>/>}. Writes are durable when the method returns.
 */
public interface SumdbIndex {

  /** The record for {@code key}, or empty. */
  Optional<SumdbObjectRecord> get(String key);

  /** Stores the record; the blob it names must already be stored. */
  void put(String key, SumdbObjectRecord record);

  /** Visits every record (for garbage collection marks). */
  void forEach(Consumer<SumdbObjectRecord> visitor);
}
