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
 * oci_manifests, oci_tags, oci_links, oci_uploads, outbox, applied: reserved for OCI and the log
 * </pre>
 */
public final class KeyLayout {

  public static final int SCHEMA_VERSION = 1;

  public static final String CF_META = "meta";
  public static final String CF_GOMOD_VERSIONS = "gomod_versions";
  public static final String CF_GOMOD_ANSWERS = "gomod_answers";
  public static final String CF_SUMDB_OBJECTS = "sumdb_objects";

  /** Every column family the index opens, in a fixed order. */
  public static final List<String> COLUMN_FAMILIES =
      List.of(CF_META, CF_GOMOD_VERSIONS, CF_GOMOD_ANSWERS, CF_SUMDB_OBJECTS);

  public static final byte[] META_SCHEMA_VERSION = utf8("schema_version");

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

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
