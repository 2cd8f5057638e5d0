package io.berth.common;

/**
 * Where a blob lives in an S3 bucket: {@code <prefix>blobs/<alg>/<hex>}. The node's S3 blob store
 * and the replicator (which writes blobs straight into a region's bucket while its nodes do not
 * answer) both use this, so the two agree on the layout by construction.
 */
public final class BlobKeys {
  private BlobKeys() {}

  /** {@code prefix} as keys begin with it: empty, or ending in {@code /}. */
  public static String normalizePrefix(String prefix) {
    if (prefix == null || prefix.isEmpty()) {
      return "";
    }
    return prefix.endsWith("/") ? prefix : prefix + "/";
  }

  /** The key of a live blob below a {@linkplain #normalizePrefix normalized} prefix. */
  public static String blob(String normalizedPrefix, Digest digest) {
    return normalizedPrefix + "blobs/" + digest.algorithm().prefix() + "/" + digest.hex();
  }
}
