package io.berth.node.sumdb;

import io.berth.node.storage.BlobReader;

/** What the checksum-database proxy answers: a stored blob (or its prefix), or small bytes. */
public sealed interface SumdbAnswer {

  /** The content type of the answer. */
  String contentType();

  /**
   * Serve the first {@code length} bytes of this stored blob; {@code immutable} means the answer
   * may be cached forever (full tiles).
   */
  record Stored(BlobReader blob, long length, boolean immutable, String contentType)
      implements SumdbAnswer {}

  /**
   * Serve these bytes (short TTL); {@code stale} when the upstream failed and a cached copy is
   * used.
   */
  record Bytes(byte[] content, boolean stale, String contentType) implements SumdbAnswer {}
}
