package io.berth.node.index;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.ArtifactMark;
import java.util.List;
import java.util.Optional;

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

  /** The sequence number of the newest event in the outbox (0 if none). */
  long lastSeq();

  /** The newest sequence number the relay has durably recorded as published. */
  long publishedSeq();

  /** Up to {@code max} outbox events with sequence numbers after {@code seq}, in order. */
  List<ChangeEvent> readAfter(long seq, int max);

  /** Durably records that every event up to {@code seq} is published. */
  void markPublished(long seq);

  /**
   * Removes published events written before {@code beforeMillis} (retention).
   *
   * @return how many were removed
   */
  int trimPublished(long beforeMillis);

  /** Applies an event from another node; idempotent. */
  ApplyResult apply(ChangeEvent event);

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

  /** How many conflicts were recorded since start. */
  long conflicts();

  /** The most recent conflicts, newest last (for the admin API). */
  List<String> recentConflicts();
}
