package io.berth.node.gc;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@link GcSafety} for storage several nodes write to: a sweep is safe only when (1) one owner is
 * elected among all of them (ZooKeeper), and (2) this node applies the region's change log (Kafka)
 * and its applier is running and caught up, so its index holds the other nodes' references too.
 */
public final class SharedStorageGcSafety implements GcSafety {

  /** Where this node's event applier stands. */
  public enum Applier {
    /** Kafka is configured but nothing applies it now (a stopped node, {@code berth gc}). */
    NOT_RUNNING,
    /** Running but not caught up with the region log. */
    BEHIND,
    CAUGHT_UP
  }

  private final String storage;
  private final boolean electedOwner;
  private final boolean consumesLog;
  private final Supplier<Applier> applier;

  /**
   * @param storage the shared storage, for messages ("bucket berth", "directory /mnt/blobs")
   * @param electedOwner whether GC ownership is a ZooKeeper election (not a local lock file)
   * @param consumesLog whether the node is configured to consume the region log (Kafka)
   * @param applier the applier's current state (read at every check)
   */
  public SharedStorageGcSafety(
      String storage, boolean electedOwner, boolean consumesLog, Supplier<Applier> applier) {
    this.storage = storage;
    this.electedOwner = electedOwner;
    this.consumesLog = consumesLog;
    this.applier = applier;
  }

  @Override
  public Optional<Refusal> check() {
    if (!electedOwner) {
      return Optional.of(
          new Refusal(
              "no_single_owner",
              "storage ("
                  + storage
                  + ") is shared with other nodes but cluster.zookeeper is not set, so no single"
                  + " garbage-collection owner across them can be guaranteed; set"
                  + " cluster.zookeeper on every node sharing it"));
    }
    if (!consumesLog) {
      return Optional.of(
          new Refusal(
              "no_change_log",
              "storage ("
                  + storage
                  + ") is shared with other nodes but events.kafkaBootstrap is not set, so this"
                  + " node's index does not receive their writes and blobs only they reference"
                  + " would look unreferenced; set events.kafkaBootstrap on every node sharing"
                  + " it"));
    }
    return switch (applier.get()) {
      case NOT_RUNNING ->
          Optional.of(
              new Refusal(
                  "index_not_current",
                  "storage ("
                      + storage
                      + ") is shared with other nodes and this node is not applying the region"
                      + " change log now (it is stopped), so its index may lack references other"
                      + " nodes wrote since it stopped"));
      case BEHIND ->
          Optional.of(
              new Refusal(
                  "applier_behind",
                  "storage ("
                      + storage
                      + ") is shared with other nodes and this node's event applier has not"
                      + " caught up with the region log yet; retry once /readyz is ready"));
      case CAUGHT_UP -> Optional.empty();
    };
  }
}
