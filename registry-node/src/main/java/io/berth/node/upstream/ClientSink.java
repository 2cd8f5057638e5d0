package io.berth.node.upstream;

import java.io.OutputStream;

/**
 * Lets the service stream a pull-through miss to the client while storing it. Opening starts a 200
 * response; closing the stream completes it. If the service fails after opening, the response is
 * aborted (the connection is closed), never completed with partial content.
 */
@FunctionalInterface
public interface ClientSink {
  /**
   * Starts the response.
   *
   * @param length the content length, or -1 if unknown
   */
  OutputStream open(long length);
}
