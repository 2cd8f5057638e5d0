package io.berth.node.http;

import java.util.Map;

/**
 * Handles one HTTP request on a worker thread (blocking I/O is fine). A handler parses the request,
 * calls one service method and writes the response through the {@link Exchange}.
 */
@FunctionalInterface
public interface HttpHandler {
  void handle(Exchange exchange) throws Exception;

  /**
   * Offers a GET or HEAD request without a body to the handler on the event loop, before it is
   * handed to a worker (ADR 0021). The handler may answer it here only when it can do so without
   * blocking: no remote call, no wait, no streamed response with backpressure; a lookup in the
   * local index and a zero-copy or in-memory answer are fine. It returns true if it answered, and
   * false, having sent nothing, to have {@link #handle} run on a worker as usual (also for every
   * error, so the worker writes the error answer). The default declines.
   */
  default boolean handleInline(Exchange exchange) {
    return false;
  }

  /** Why the server answers a request without running its handler. */
  enum Refusal {
    /** The path uses a normalisation trick ({@code //}, {@code ;}, dot segments, ...): 400. */
    BAD_PATH,
    /** The worker queue is full: the client should retry later. */
    OVERLOADED
  }

  /**
   * Answers a request the server refuses before {@link #handle} runs, in this handler's protocol
   * format. Called on the event loop, so it must not block. The default is the short {@code
   * text/plain} answer of the GOPROXY protocol (400, or 503 with {@code Retry-After}).
   */
  default void refuse(Exchange exchange, Refusal refusal, String reason) {
    switch (refusal) {
      case BAD_PATH -> exchange.sendText(400, "bad request path: " + reason);
      case OVERLOADED -> exchange.sendText(503, reason, Map.of("Retry-After", "1"));
    }
  }
}
