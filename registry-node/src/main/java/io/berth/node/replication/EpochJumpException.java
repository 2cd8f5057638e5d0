package io.berth.node.replication;

/**
 * A fence carried an epoch further above the link's highest admitted epoch than {@code
 * http.grpcMaxEpochJump} allows: a forged or corrupted epoch, which would otherwise fence the real
 * link owner off for good. Nothing was raised. (An {@link IllegalArgumentException}: the request is
 * invalid, gRPC INVALID_ARGUMENT.)
 */
public final class EpochJumpException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String link;
  private final long epoch;
  private final long highest;
  private final long maxJump;

  public EpochJumpException(String link, long epoch, long highest, long maxJump) {
    super(
        "link "
            + link
            + ": epoch "
            + epoch
            + " is more than "
            + maxJump
            + " above the highest admitted epoch "
            + Math.max(highest, 0)
            + "; refused (a link owner's epoch is a ZooKeeper zxid; raise http.grpcMaxEpochJump"
            + " if the ZooKeeper ensemble really went through that many leader elections)");
    this.link = link;
    this.epoch = epoch;
    this.highest = highest;
    this.maxJump = maxJump;
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

  public long maxJump() {
    return maxJump;
  }
}
