package io.berth.node.http;

import java.net.SocketTimeoutException;

/** The client stopped sending the request body before it was complete (mapped to 408). */
public class BodyTimeoutException extends SocketTimeoutException {
  private static final long serialVersionUID = 1L;

  public BodyTimeoutException(String message) {
    super(message);
  }
}
