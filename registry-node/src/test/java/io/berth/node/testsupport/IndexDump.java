package io.berth.node.testsupport;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.index.LwwStamps;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Everything a node's index holds that replication must carry, as sorted text lines comparable
 * across nodes: every Go module version record, every live OCI manifest, tag and blob link with its
 * last-writer-wins stamp. Local bookkeeping (when this node stored or linked it) is left out.
 */
public final class IndexDump {
  private IndexDump() {}

  public static SortedMap<String, String> of(NodeAssembly node) {
    SortedMap<String, String> out = new TreeMap<>();
    node.moduleIndex()
        .forEachVersion(
            r ->
                out.put(
                    "go " + r.getModulePath() + "@" + r.getVersion(),
                    r.toBuilder().clearStoredUnixMillis().build().toString().replace('\n', ' ')));
    node.ociIndex()
        .forEachManifest(
            m ->
                out.put(
                    "manifest " + m.getRepository() + "@" + m.getDigest(),
                    m.getMediaType()
                        + " size="
                        + m.getSize()
                        + " refs="
                        + m.getReferencedDigestsList()
                        + " subject="
                        + m.getSubjectDigest()
                        + " stamp="
                        + LwwStamps.format(m.getStamp())));
    node.ociIndex()
        .forEachTag(
            t ->
                out.put(
                    "tag " + t.getRepository() + ":" + t.getTag(),
                    t.getDigest() + " stamp=" + LwwStamps.format(t.getStamp())));
    node.ociIndex()
        .forEachBlobLink(
            l ->
                out.put(
                    "link " + l.getRepository() + "@" + l.getDigest(),
                    "size=" + l.getSize() + " stamp=" + LwwStamps.format(l.getStamp())));
    return out;
  }

  /** Only the entries whose key starts with {@code prefix}. */
  public static SortedMap<String, String> of(NodeAssembly node, String prefix) {
    SortedMap<String, String> out = new TreeMap<>();
    for (Map.Entry<String, String> e : of(node).entrySet()) {
      if (e.getKey().startsWith(prefix)) {
        out.put(e.getKey(), e.getValue());
      }
    }
    return out;
  }
}
