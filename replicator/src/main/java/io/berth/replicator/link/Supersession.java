package io.berth.replicator.link;

import io.berth.proto.events.v1.ChangeEvent;
import io.berth.proto.index.v1.LwwStamp;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which events of a batch need not be carried because a later event of the same batch removes what
 * they write: a manifest put followed by the delete of that manifest, a blob link followed by its
 * unlink. Their blobs are not copied (the source may already have collected them) and the target
 * only gets the delete, which wins by last-writer-wins all the same. An event is superseded only by
 * a delete whose last-writer-wins stamp is greater, so a put that would win at the target is always
 * carried.
 */
final class Supersession {
  /** The last-writer-wins order of the index (wall time, logical, origin region, origin node). */
  static final Comparator<LwwStamp> ORDER =
      Comparator.comparingLong(LwwStamp::getWallMillis)
          .thenComparingInt(LwwStamp::getLogical)
          .thenComparing(LwwStamp::getOriginRegion)
          .thenComparing(LwwStamp::getOriginNode);

  private Supersession() {}

  /** {@code carry} without its superseded events, in order. */
  static List<ChangeEvent> withoutSuperseded(List<ChangeEvent> carry) {
    Map<String, LwwStamp> laterDelete = new HashMap<>();
    boolean[] drop = new boolean[carry.size()];
    for (int i = carry.size() - 1; i >= 0; i--) {
      ChangeEvent e = carry.get(i);
      switch (e.getChangeCase()) {
        case MANIFEST_DELETE -> {
          var d = e.getManifestDelete();
          newest(
              laterDelete,
              "m\0" + d.getRepository() + "\0" + d.getDigest(),
              stamp(e, d.hasStamp() ? d.getStamp() : null));
        }
        case BLOB_LINK_REMOVED -> {
          var d = e.getBlobLinkRemoved();
          newest(
              laterDelete,
              "l\0" + d.getRepository() + "\0" + d.getDigest(),
              stamp(e, d.hasStamp() ? d.getStamp() : null));
        }
        case MANIFEST_PUT -> {
          var p = e.getManifestPut();
          drop[i] =
              superseded(
                  laterDelete.get("m\0" + p.getRepository() + "\0" + p.getDigest()),
                  stamp(e, p.hasStamp() ? p.getStamp() : null));
        }
        case BLOB_LINK_ADDED -> {
          var p = e.getBlobLinkAdded();
          drop[i] =
              superseded(
                  laterDelete.get("l\0" + p.getRepository() + "\0" + p.getDigest()),
                  stamp(e, p.hasStamp() ? p.getStamp() : null));
        }
        default -> {}
      }
    }
    List<ChangeEvent> out = new ArrayList<>(carry.size());
    for (int i = 0; i < carry.size(); i++) {
      if (!drop[i]) {
        out.add(carry.get(i));
      }
    }
    return out;
  }

  private static void newest(Map<String, LwwStamp> deletes, String key, LwwStamp s) {
    deletes.merge(key, s, (a, b) -> ORDER.compare(a, b) >= 0 ? a : b);
  }

  private static boolean superseded(LwwStamp delete, LwwStamp write) {
    return delete != null && ORDER.compare(delete, write) > 0;
  }

  /** The change's own stamp, or (for old events without one) the event's HLC and origin. */
  private static LwwStamp stamp(ChangeEvent e, LwwStamp own) {
    if (own != null) {
      return own;
    }
    return LwwStamp.newBuilder()
        .setWallMillis(e.getHlc().getWallMillis())
        .setLogical(e.getHlc().getLogical())
        .setOriginRegion(e.getOriginRegion())
        .setOriginNode(e.getOriginNode())
        .build();
  }
}
