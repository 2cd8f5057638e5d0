package io.berth.node.storage;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Optional;

/** Read access to one stored blob. Readers are cheap; they open the content only on demand. */
public interface BlobReader {

  /** The blob's size in bytes. */
  long size();

  /**
   * Streams {@code length} bytes starting at {@code offset}. The caller closes the stream.
   *
   * @throws IllegalArgumentException if the range is outside the blob
   */
  InputStream openRange(long offset, long length) throws IOException;

  /** Streams the whole blob. */
  default InputStream openStream() throws IOException {
    return openRange(0, size());
  }

  /**
   * The local file holding the blob, when the store keeps it on local disk, so the HTTP layer can
   * send it with zero-copy. Empty for remote stores.
   */
  default Optional<Path> localFile() {
    return Optional.empty();
  }

  /**
   * A URL from which a client may fetch the whole blob directly (a presigned object-store URL),
   * when the store is configured to offer one for this blob. It carries its own short-lived
   * signature in the query string, never the caller's credentials. Empty by default.
   */
  default Optional<java.net.URI> redirectUrl() {
    return Optional.empty();
  }

  /** The whole content, when the reader already holds it in memory (small cached blobs). */
  default Optional<byte[]> inMemory() {
    return Optional.empty();
  }
}
