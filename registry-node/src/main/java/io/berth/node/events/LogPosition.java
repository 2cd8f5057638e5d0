package io.berth.node.events;

import java.util.Map;

/**
 * A position in the region log: for each partition, the offset of the next event to read. The end
 * of the log is a position too; a reader has caught up with an end when it {@link #covers} it.
 */
public record LogPosition(Map<Integer, Long> next) {

  /** Nothing read yet. */
  public static final LogPosition START = new LogPosition(Map.of());

  public LogPosition {
    next = Map.copyOf(next);
  }

  /** Whether everything before {@code end} lies before this position. */
  public boolean covers(LogPosition end) {
    return behind(end) == 0;
  }

  /** How many offsets this position lies before {@code end}, summed over partitions. */
  public long behind(LogPosition end) {
    long n = 0;
    for (Map.Entry<Integer, Long> e : end.next.entrySet()) {
      n += Math.max(0, e.getValue() - next.getOrDefault(e.getKey(), 0L));
    }
    return n;
  }
}
