package io.berth.node.upstream;

import java.io.OutputStream;

/**
 * Lets the service stream a pull-through miss to the client while storing it. Opening starts a 200
 * response; closing the stream completes it. If the service fails after opening, it calls {@link
 * #abort(OutputStream)}: the response is aborted (the connection is closed and what the stream
 * holds is released), never completed with partial content.
 */
@FunctionalInterface
public interface ClientSink {
  /**
   * Starts the response.
   *
   * @param length the content length, or -1 if unknown
   */
  OutputStream open(long length);

  /** A client stream that can be ended as failed instead of completed. */
  interface Abortable {
    /**
     * Ends the response as failed: it is never completed (the client sees a broken connection, not
     * a short body), buffers held for it are released, later writes fail and closing does nothing.
     * Idempotent; does nothing after the response was completed.
     */
    void abort();
  }

  /** Aborts {@code out} if it is {@link Abortable}; does nothing for null or other streams. */
  static void abort(OutputStream out) {
    if (out instanceof Abortable a) {
      a.abort();
    }
  }
}
