package io.berth.node.index.rocksdb;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The one place that documents the RocksDB layout. All keys are UTF-8; {@code \0} separates key
 * parts because none of the parts (module paths, versions, repository names) may contain it.
 *
 * <pre>
 * column family     key                                   value
 * meta              "schema_version"                      IndexMeta
 * gomod_versions    &lt;module path&gt; \0 &lt;version&gt;          ModuleVersionRecord
 * gomod_answers     "list" \0 &lt;module&gt; | "latest" \0 &lt;module&gt;   CachedUpstreamAnswer
 * sumdb_objects     &lt;db name&gt; / &lt;tile path&gt;              SumdbObjectRecord
 * outbox            seq (8 bytes, big-endian)              ChangeEvent (this node's events)
 * applied           &lt;region&gt; \0 &lt;node&gt; \0 seq (8 bytes)   Hlc of the applied remote event
 * meta              "seq" / "published_seq"                8-byte big-endian counters
 * meta              "hlc"                                  Hlc (last clock reading, persisted)
 * artifacts         &lt;artifact key&gt; (the event key)        ArtifactMark (newest change held)
 * link_fences       &lt;link id&gt; ("eu-&gt;us")                 8-byte big-endian highest epoch
 * </pre>
 */
public final class KeyLayout {

  public static final int SCHEMA_VERSION = 1;

  public static final String CF_META = "meta";
  public static final String CF_GOMOD_VERSIONS = "gomod_versions";
  public static final String CF_GOMOD_ANSWERS = "gomod_answers";
  public static final String CF_SUMDB_OBJECTS = "sumdb_objects";
  public static final String CF_OUTBOX = "outbox";
  public static final String CF_APPLIED = "applied";
  public static final String CF_ARTIFACTS = "artifacts";
  public static final String CF_LINK_FENCES = "link_fences";

  /** Every column family the index opens, in a fixed order. */
  public static final List<String> COLUMN_FAMILIES =
      List.of(
          CF_META,
          CF_GOMOD_VERSIONS,
          CF_GOMOD_ANSWERS,
          CF_SUMDB_OBJECTS,
          CF_OUTBOX,
          CF_APPLIED,
          CF_ARTIFACTS,
          CF_LINK_FENCES);

  public static final byte[] META_SCHEMA_VERSION = utf8("schema_version");
  public static final byte[] META_SEQ = utf8("seq");
  public static final byte[] META_PUBLISHED_SEQ = utf8("published_seq");
  public static final byte[] META_HLC = utf8("hlc");

  private KeyLayout() {}

  public static byte[] moduleVersion(String modulePath, String version) {
    return utf8(modulePath + '\0' + version);
  }

  public static byte[] moduleVersionPrefix(String modulePath) {
    return utf8(modulePath + '\0');
  }

  public static String versionOf(byte[] moduleVersionKey) {
    String k = new String(moduleVersionKey, StandardCharsets.UTF_8);
    return k.substring(k.indexOf('\0') + 1);
  }

  public static byte[] answer(String key) {
    return utf8(key);
  }

  public static byte[] sumdbObject(String key) {
    return utf8(key);
  }

  public static byte[] seq(long seq) {
    return java.nio.ByteBuffer.allocate(8).putLong(seq).array();
  }

  public static long seqOf(byte[] key) {
    return key == null ? 0 : java.nio.ByteBuffer.wrap(key).getLong();
  }

  public static byte[] applied(String region, String node, long seq) {
    byte[] head = utf8(region + '\0' + node + '\0');
    return java.nio.ByteBuffer.allocate(head.length + 8).put(head).putLong(seq).array();
  }

  public static byte[] artifact(String key) {
    return utf8(key);
  }

  public static byte[] linkFence(String link) {
    return utf8(link);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
