package io.berth.node.index;

import io.berth.common.Hlc;
import io.berth.proto.index.v1.LwwStamp;
import java.util.Comparator;

/**
 * The last-writer-wins order of OCI index entries (DESIGN.md invariant 4): by HLC reading, then
 * origin region, then origin node. Every writer stamps with its own strictly monotonic HLC, so two
 * different writes never carry equal stamps, and every node picks the same winner whatever order
 * the writes arrive in.
 */
public final class LwwStamps {
  private LwwStamps() {}

  /** The total order of stamps; a missing stamp sorts first. */
  public static final Comparator<LwwStamp> ORDER =
      Comparator.comparingLong(LwwStamp::getWallMillis)
          .thenComparingInt(LwwStamp::getLogical)
          .thenComparing(LwwStamp::getOriginRegion)
          .thenComparing(LwwStamp::getOriginNode);

  /** A stamp for a write made at {@code hlc} by {@code node} of {@code region}. */
  public static LwwStamp of(Hlc hlc, String region, String node) {
    return LwwStamp.newBuilder()
        .setWallMillis(hlc.wallMillis())
        .setLogical(hlc.logical())
        .setOriginRegion(region)
        .setOriginNode(node)
        .build();
  }

  /** Whether {@code candidate} wins over {@code current} (null: nothing stored yet). */
  public static boolean wins(LwwStamp candidate, LwwStamp current) {
    return current == null || ORDER.compare(candidate, current) > 0;
  }

  public static String format(LwwStamp s) {
    return s.getWallMillis()
        + "."
        + s.getLogical()
        + "@"
        + s.getOriginRegion()
        + "/"
        + s.getOriginNode();
  }
}
