package io.berth.node.replication;

/**
 * A replication write carried an epoch lower than the highest this node has seen for its link: it
 * comes from a stale link owner (for example one whose ZooKeeper session expired) and was refused.
 */
public final class StaleEpochException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String link;
  private final long epoch;
  private final long highest;

  public StaleEpochException(String link, long epoch, long highest) {
    super(
        "stale epoch "
            + epoch
            + " for link "
            + link
            + ": a newer owner holds epoch "
            + highest
            + "; this writer lost its leadership");
    this.link = link;
    this.epoch = epoch;
    this.highest = highest;
  }

  public String link() {
    return link;
  }

  public long epoch() {
    return epoch;
  }

  public long highest() {
    return highest;
  }
}
