package io.berth.node.upstream;

/**
 * An upstream registry refused access after the configured credentials (or a token obtained with
 * them) were offered, or its token server refused the credentials. Retrying does not help until the
 * configuration or the upstream changes.
 */
public class UpstreamAuthException extends UpstreamFailureException {
  private static final long serialVersionUID = 1L;

  public UpstreamAuthException(String message) {
    super(message);
  }
}
