package io.berth.node.cluster;

/** A promotion or demotion of a region was refused; the message says why and what to do. */
public final class PromotionException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String region;

  public PromotionException(String region, String message) {
    super(message);
    this.region = region;
  }

  public String region() {
    return region;
  }
}
