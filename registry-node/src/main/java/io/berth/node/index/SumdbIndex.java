package io.berth.node.index;

import io.berth.proto.index.v1.CachedUpstreamAnswer;
import io.berth.proto.index.v1.SumdbObjectRecord;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The index of immutable checksum-database objects (full tiles) stored as blobs, keyed by {@code
 * <database name>/<path below /sumdb/<name>/>}, plus the node-local cache of mutable answers
 * ({@code latest}, partial tiles, lookups) that are served within a TTL and stale when the upstream
 * database fails. Writes are durable when the method returns. Records and cached answers are apart:
 * a cached answer is never returned by {@link #get} or visited by {@link #forEach}.
 */
public interface SumdbIndex {

  /** The record for {@code key}, or empty. */
  Optional<SumdbObjectRecord> get(String key);

  /** Stores the record; the blob it names must already be stored. */
  void put(String key, SumdbObjectRecord record);

  /** Visits every record once (for garbage collection marks). */
  void forEach(Consumer<SumdbObjectRecord> visitor);

  /** The cached mutable answer stored under {@code key}, or empty. */
  Optional<CachedUpstreamAnswer> cachedAnswer(String key);

  /** Stores (replaces) a cached mutable answer; node-local, not part of the change log. */
  void putCachedAnswer(String key, CachedUpstreamAnswer answer);
}
