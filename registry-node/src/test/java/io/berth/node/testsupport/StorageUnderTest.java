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

  @Override
  public void close() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }
}
