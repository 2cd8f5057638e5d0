package io.berth.node.gomod;

import io.berth.node.storage.BlobReader;

/** What the GOPROXY service answers: a stored blob, small bytes, or "already streamed". */
public sealed interface GoAnswer {

  /** Serve this stored blob. {@code immutable} means it may be cached forever. */
  record Stored(BlobReader blob, boolean immutable) implements GoAnswer {}

  /** Serve these bytes; {@code stale} when every upstream failed and a cached copy is used. */
  record Bytes(byte[] content, boolean stale) implements GoAnswer {}

  /**
   * The service already streamed the answer through the {@link io.berth.node.upstream.ClientSink}.
   */
  record Streamed() implements GoAnswer {}
}
