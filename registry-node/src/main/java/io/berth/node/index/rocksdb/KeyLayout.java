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
 * sumdb_answers     &lt;db name&gt; / latest | lookup/.. | tile/...p/W   CachedUpstreamAnswer (local)
 * outbox            seq (8 bytes, big-endian)              ChangeEvent (this node's events)
 * applied           &lt;region&gt; \0 &lt;node&gt; \0 seq (8 bytes)   Hlc of the applied remote event
 * meta              "seq" / "published_seq"                8-byte big-endian counters
 * meta              "hlc"                                  Hlc (last clock reading, persisted)
 * oci_manifests     &lt;repository&gt; \0 &lt;digest&gt;             OciManifestRecord (live or tombstone)
 * oci_tags          &lt;repository&gt; \0 &lt;tag&gt;                OciTagRecord (live or tombstone)
 * oci_links         &lt;repository&gt; \0 &lt;digest&gt;             OciBlobLinkRecord (live or tombstone)
 * oci_referrers     &lt;repository&gt; \0 &lt;subject&gt; \0 &lt;digest&gt;  OciDescriptor (live referrers only)
 * oci_uploads       &lt;upload id&gt;                           OciUploadSession (local, not replicated)
 * artifacts         &lt;artifact key&gt; (ChangeEvents.artifactKeys) ArtifactMark (newest change held)
 * link_fences       &lt;link id&gt; ("eu-&gt;us")                 8-byte big-endian highest epoch
 * oci_upstream_tags &lt;repository&gt; \0 &lt;tag&gt;                OciUpstreamTagRecord (pull-through tag checks; local)
 * </pre>
 *
 * <p>OCI keys sort a repository's entries together and in byte order (tags list, catalog); {@code
 * \0} sorts before every character a repository name may hold, so {@code a} precedes {@code a-b}
 * and {@code a/b}, and {@code <repository> \1} is the first key after the repository.
 */
public final class KeyLayout {

  public static final int SCHEMA_VERSION = 1;

  public static final String CF_META = "meta";
  public static final String CF_GOMOD_VERSIONS = "gomod_versions";
  public static final String CF_GOMOD_ANSWERS = "gomod_answers";
  public static final String CF_SUMDB_OBJECTS = "sumdb_objects";
  public static final String CF_OUTBOX = "outbox";
  public static final String CF_APPLIED = "applied";
  public static final String CF_SUMDB_ANSWERS = "sumdb_answers";
  public static final String CF_OCI_MANIFESTS = "oci_manifests";
  public static final String CF_OCI_TAGS = "oci_tags";
  public static final String CF_OCI_LINKS = "oci_links";
  public static final String CF_OCI_REFERRERS = "oci_referrers";
  public static final String CF_OCI_UPLOADS = "oci_uploads";
  public static final String CF_ARTIFACTS = "artifacts";
  public static final String CF_LINK_FENCES = "link_fences";
  public static final String CF_OCI_UPSTREAM_TAGS = "oci_upstream_tags";

  /** Every column family the index opens, in a fixed order. */
  public static final List<String> COLUMN_FAMILIES =
      List.of(
          CF_META,
          CF_GOMOD_VERSIONS,
          CF_GOMOD_ANSWERS,
          CF_SUMDB_OBJECTS,
          CF_OUTBOX,
          CF_APPLIED,
          CF_SUMDB_ANSWERS,
          CF_OCI_MANIFESTS,
          CF_OCI_TAGS,
          CF_OCI_LINKS,
          CF_OCI_REFERRERS,
          CF_OCI_UPLOADS,
          CF_ARTIFACTS,
          CF_LINK_FENCES,
          CF_OCI_UPSTREAM_TAGS);

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

  /** {@code <repository> \0 <part>}: a manifest, tag or blob-link key. */
  public static byte[] ociEntry(String repository, String part) {
    return utf8(repository + '\0' + part);
  }

  /** {@code <repository> \0}: the prefix of a repository's manifest, tag or link keys. */
  public static byte[] ociRepositoryPrefix(String repository) {
    return utf8(repository + '\0');
  }

  /** {@code <repository> \1}: the first key after every key of the repository. */
  public static byte[] ociAfterRepository(String repository) {
    return utf8(repository + '\1');
  }

  /** The repository part of a manifest, tag, link or referrer key. */
  public static String ociRepositoryOf(byte[] key) {
    String k = new String(key, StandardCharsets.UTF_8);
    return k.substring(0, k.indexOf('\0'));
  }

  /** The part after the repository of a manifest, tag or link key. */
  public static String ociPartOf(byte[] key) {
    String k = new String(key, StandardCharsets.UTF_8);
    return k.substring(k.indexOf('\0') + 1);
  }

  /** {@code <repository> \0 <subject> \0 <referrer>}. */
  public static byte[] ociReferrer(String repository, String subject, String referrer) {
    return utf8(repository + '\0' + subject + '\0' + referrer);
  }

  /** {@code <repository> \0 <subject> \0}: the prefix of a subject's referrers. */
  public static byte[] ociReferrersPrefix(String repository, String subject) {
    return utf8(repository + '\0' + subject + '\0');
  }

  public static byte[] ociUpload(String id) {
    return utf8(id);
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
