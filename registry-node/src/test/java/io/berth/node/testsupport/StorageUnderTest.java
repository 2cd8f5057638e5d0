package io.berth.node.testsupport;

import io.berth.node.config.NodeConfig;
import java.nio.file.Path;
import java.util.function.UnaryOperator;

/**
 * The blob storage a node test runs on, so the same Go and OCI flows run against the embedded file
 * store and against a real S3-compatible server (S3Proxy in its own JVM). Closing it stops the
 * server it started.
 */
public final class StorageUnderTest implements UnaryOperator<NodeConfig>, AutoCloseable {
  private final UnaryOperator<NodeConfig> customize;
  private final S3ProxyServer s3;
  private final String bucket;

  private StorageUnderTest(UnaryOperator<NodeConfig> customize, S3ProxyServer s3, String bucket) {
    this.customize = customize;
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** The embedded default: blobs in the node's data directory. */
  public static StorageUnderTest file() {
    return new StorageUnderTest(c -> c, null, null);
  }

  /** A fresh S3Proxy server under {@code dir} and {@code storage.type: s3} on {@code bucket}. */
  public static StorageUnderTest s3(Path dir, String bucket) throws Exception {
    S3ProxyServer server = S3ProxyServer.start(dir);
    return new StorageUnderTest(
        c -> c.withStorage(c.storage().withS3(server.config(bucket))), server, bucket);
  }

  @Override
  public NodeConfig apply(NodeConfig c) {
    return customize.apply(c);
  }

  /** The S3 server, or null for file storage. */
  public S3ProxyServer s3() {
    return s3;
  }

  public String bucket() {
    return bucket;
  }

  /** The file (or S3Proxy backing file) holding a node's blob, for corrupting it on disk. */
  public Path blobFile(io.berth.node.bootstrap.NodeAssembly node, io.berth.common.Digest d) {
    if (s3 == null) {
      return ((io.berth.node.storage.file.FileBlobStore) node.rawBlobStore()).pathOf(d);
    }
    return s3.objectFile(bucket, "blobs/" + d.algorithm().prefix() + "/" + d.hex());
  }

  /** The storage part of a YAML config for {@code berth} commands on the node's data. */
  public java.util.Map<String, Object> yamlStorage(String dataDir) {
    java.util.Map<String, Object> st = new java.util.LinkedHashMap<>();
    st.put("dataDir", dataDir);
    if (s3 != null) {
      st.put("type", "s3");
      st.put(
          "s3",
          java.util.Map.of(
              "endpoint",
              s3.endpoint(),
              "bucket",
              bucket,
              "accessKey",
              S3ProxyServer.ACCESS_KEY,
              "secretKey",
              S3ProxyServer.SECRET_KEY));
    }
    return st;
  }

  /**
   * {@code BERTH_*} environment for a node process ({@link NodeProcess}) on this storage: empty for
   * file storage, else the bucket, endpoint, credentials and the short test retries.
   */
  public java.util.Map<String, String> env() {
    java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
    if (s3 != null) {
      NodeConfig.S3Section c = s3.config(bucket);
      env.put("BERTH_STORAGE_TYPE", "s3");
      env.put("BERTH_STORAGE_S3_ENDPOINT", c.endpoint());
      env.put("BERTH_STORAGE_S3_BUCKET", c.bucket());
      env.put("BERTH_STORAGE_S3_ACCESS_KEY", c.accessKey());
      env.put("BERTH_STORAGE_S3_SECRET_KEY", c.secretKey());
      env.put("BERTH_STORAGE_S3_REQUEST_TIMEOUT_SECONDS", c.requestTimeoutSeconds().toString());
      env.put("BERTH_STORAGE_S3_MAX_ATTEMPTS", c.maxAttempts().toString());
      env.put("BERTH_STORAGE_S3_RETRY_BASE_MILLIS", c.retryBaseMillis().toString());
    }
    return env;
  }

  /**
   * A store on the same blobs as a node with data directory {@code dataDir}, for checking what a
   * (stopped or killed) node left behind; the caller closes it.
   */
  public io.berth.node.storage.BlobStore openStore(Path dataDir, String writerId) {
    if (s3 == null) {
      return new io.berth.node.storage.file.FileBlobStore(dataDir.resolve("blobs"), writerId);
    }
    return new io.berth.node.storage.s3.S3BlobStore(s3.config(bucket), writerId);
  }

  /**
   * What interrupted or refused writes of writer {@code writerId} left in the blob store: temporary
   * files (file storage), or objects outside {@code blobs/}, incomplete multipart uploads and
   * cleanups still queued (S3). Empty when nothing is left behind.
   */
  public java.util.List<String> leftovers(io.berth.node.storage.BlobStore raw, Path dataDir)
      throws java.io.IOException {
    java.util.List<String> out = new java.util.ArrayList<>();
    if (s3 == null) {
      Path tmp = dataDir.resolve("blobs/tmp");
      if (java.nio.file.Files.isDirectory(tmp)) {
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(tmp)) {
          files.filter(java.nio.file.Files::isRegularFile).forEach(f -> out.add("temp file " + f));
        }
      }
      return out;
    }
    io.berth.node.storage.s3.S3BlobStore store = (io.berth.node.storage.s3.S3BlobStore) raw;
    for (String k : store.allKeys()) {
      if (!k.startsWith("blobs/") && !k.startsWith("quarantine/")) {
        out.add("object " + k);
      }
    }
    for (var u : store.incompleteUploads()) {
      out.add("incomplete upload " + u);
    }
    if (store.pendingLeftovers() > 0) {
      out.add(store.pendingLeftovers() + " cleanups pending");
    }
    return out;
  }

  @Override
  public void close() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }
}
