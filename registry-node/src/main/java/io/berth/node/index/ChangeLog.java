package io.berth.node.index;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ArtifactMark;
import io.berth.proto.index.v1.ChangeConflictRecord;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * The node's change log: the outbox of events written together with the index mutations they
 * describe (one synced WriteBatch), the published position of the relay, and the idempotent
 * application of other nodes' events.
 *
 * <p>Contract: sequence numbers are gap-free per node, start at 1 and follow commit order; {@link
 * #readAfter} never skips an event; {@link #apply} of the same event twice changes nothing the
 * second time.
 */
public interface ChangeLog {

  /** The outcome of applying a remote event. */
  enum ApplyResult {
    /** The index changed. */
    APPLIED,
    /** Already applied before (same origin and sequence), or already equal. */
    DUPLICATE,
    /** The event came from this node. */
    OWN,
    /** The event lost to local state by the conflict rules (recorded, not applied). */
    CONFLICT,
    /**
     * A last-writer-wins entry (OCI tag, manifest, blob link) already holds a newer write; the
     * older one changes nothing. This is normal convergence, not a conflict.
     */
    SUPERSEDED,
    /** This node does not understand the change (newer schema); recorded and skipped. */
    UNSUPPORTED
  }

  /** This node's id and region, stamped on its events. */
  String nodeId();

  String region();

  /**
   * The random id this node's index drew when it was created, stamped on its events with the node
   * id: a node rebuilt under the same id with an empty index is a new incarnation, so its restarted
   * sequence never collides with its old events, and it applies those old events like anyone's.
   */
  String incarnation();

  /** The sequence number of the newest event in the outbox (0 if none). */
  long lastSeq();

  /** The newest sequence number the relay has durably recorded as published. */
  long publishedSeq();

  /** Up to {@code max} outbox events with sequence numbers after {@code seq}, in order. */
  List<ChangeEvent> readAfter(long seq, int max);

  /**
   * Waits until an event after {@code seq} is in the outbox or {@code max} has passed (the relay
   * wakes up on a commit instead of polling).
   *
   * @return whether there is an event after {@code seq}
   */
  boolean awaitAfter(long seq, java.time.Duration max) throws InterruptedException;

  /** Durably records that every event up to {@code seq} is published. */
  void markPublished(long seq);

  /**
   * Removes published events written before {@code beforeMillis} (retention).
   *
   * @return how many were removed
   */
  int trimPublished(long beforeMillis);

  /**
   * Removes every event written before {@code beforeMillis}, published or not (retention of a node
   * without a region log, where nothing is ever published).
   *
   * @return how many were removed
   */
  int trimAll(long beforeMillis);

  /** Applies an event from another node; idempotent; durable when it returns. */
  ApplyResult apply(ChangeEvent event);

  /**
   * Applies events from other nodes in order, each atomically and idempotently as {@link #apply}
   * does, but durable together: when this returns all of them are durable (one sync for the batch
   * instead of one per event). {@code each} hears each event's result as soon as it is applied
   * (visible, not yet durable). A crash before this returns may lose some of them although they
   * were already visible, so a caller must commit its log position only after it returns (the
   * events are then delivered again and applied again). A failure part-way leaves the events before
   * it applied (and reported).
   */
  default void applyAll(List<ChangeEvent> events, BiConsumer<ChangeEvent, ApplyResult> each) {
    for (ChangeEvent e : events) {
      each.accept(e, apply(e));
    }
  }

  /**
   * Whether this node already holds {@code event}: it is this node's own, or an event with the same
   * origin region, node and sequence was applied before.
   */
  boolean holds(ChangeEvent event);

  /**
   * The newest change this node holds for the artifact {@code key} (an event key such as {@code
   * go:<module>@<version>}), recorded locally or applied, or empty if it holds none.
   */
  Optional<ArtifactMark> lastChange(String key);

  /** How many conflicts this node has recorded (durably, across restarts). */
  long conflicts();

  /** The most recent conflicts as short text lines, newest last (for the status API). */
  List<String> recentConflicts();

  /** Up to {@code max} of the most recent conflict records, oldest first. */
  List<ChangeConflictRecord> conflictRecords(int max);

  /** How many remote clock readings were further ahead of the local clock than allowed. */
  long skewedClockReadings();

  /**
   * Records, durably, that this node's applier has once caught up with its region log (its index is
   * a member's index, not an empty one). Idempotent.
   */
  default void recordCaughtUp() {}

  /** Whether {@link #recordCaughtUp} was ever called for this index. */
  default boolean everCaughtUp() {
    return false;
  }
}
