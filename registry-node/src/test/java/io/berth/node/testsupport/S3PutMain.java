package io.berth.node.testsupport;

import io.berth.common.Digest;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.storage.StoredBlob;
import io.berth.node.storage.s3.S3BlobStore;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;

/**
 * Puts a generated stream of {@code size} bytes into an S3 bucket through {@link S3BlobStore} and
 * prints the stored digest and the peak heap use; run in a child JVM with a small {@code -Xmx}.
 * Arguments: endpoint, bucket, size, seed, expected digest (or {@code any}).
 */
public final class S3PutMain {
  private S3PutMain() {}

  public static void main(String[] args) throws Exception {
    NodeConfig.S3Section cfg =
        NodeConfig.S3Section.of(
                args[0], args[1], S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY)
            .withRetries(60, 3, 200);
    long size = Long.parseLong(args[2]);
    long seed = Long.parseLong(args[3]);
    PutExpectation exp =
        args[4].equals("any")
            ? PutExpectation.any().withSize(size)
            : PutExpectation.digest(Digest.parse(args[4])).withSize(size);
    try (S3BlobStore store = new S3BlobStore(cfg, "memory-test")) {
      StoredBlob b = store.put(new PatternStream(size, seed), exp);
      long peak = 0;
      for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
        if (pool.getType() == MemoryType.HEAP) {
          peak += pool.getPeakUsage().getUsed();
        }
      }
      System.out.println("stored " + b.digest() + " " + b.size());
      System.out.println(
          "max heap " + Runtime.getRuntime().maxMemory() + " peak heap pools " + peak);
    }
  }
}
