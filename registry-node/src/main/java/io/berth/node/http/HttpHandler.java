package io.berth.node.http;

/**
 * Handles one HTTP request on a worker thread (blocking I/O is fine). A handler parses the request,
 * calls one service method and writes the response through the {@link Exchange}.
 */
@FunctionalInterface
public interface HttpHandler {
  void handle(Exchange exchange) throws Exception;
}
