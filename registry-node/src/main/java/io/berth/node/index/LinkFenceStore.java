package io.berth.node.index;

import java.util.Map;

/**
 * The highest leadership epoch this node has seen per replication link (DESIGN.md invariant 6).
 *
 * <p>Contract: {@link #raise} is atomic and durable (synced) before it returns, so the fence
 * survives a restart: once an epoch was admitted for a link, no lower epoch of that link is ever
 * admitted again. Links never seen have the highest epoch {@code -1}.
 */
public interface LinkFenceStore {

  /** The highest epoch admitted for {@code link}, or -1. */
  long highest(String link);

  /**
   * Admits {@code epoch} for {@code link} if it is at least the highest seen, raising the highest
   * to it.
   *
   * @return the highest epoch after the call: equal to {@code epoch} if it was admitted, greater if
   *     {@code epoch} is stale
   */
  long raise(String link, long epoch);

  /** Every link with its highest epoch. */
  Map<String, Long> all();
}
