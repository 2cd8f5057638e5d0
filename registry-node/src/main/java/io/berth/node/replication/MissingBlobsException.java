package io.berth.node.replication;

import java.util.List;

/**
 * Events were handed over for republishing before every blob they name was stored here (DESIGN.md
 * invariant 2); nothing was republished.
 */
public final class MissingBlobsException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final List<String> digests;

  public MissingBlobsException(String event, List<String> digests) {
    super(
        "event "
            + event
            + " names blobs this region does not hold yet: "
            + String.join(", ", digests.subList(0, Math.min(5, digests.size())))
            + (digests.size() > 5 ? " and " + (digests.size() - 5) + " more" : "")
            + "; copy them first");
    this.digests = List.copyOf(digests);
  }

  public List<String> digests() {
    return digests;
  }
}
