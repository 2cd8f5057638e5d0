package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.testsupport.JavaProcess;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.S3ProxyServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 1 GiB blob stored through the S3 path in a JVM limited to 96 MiB of heap: the multipart upload
 * streams with bounded buffers and never holds the blob; the stored object's digest is verified.
 */
class S3MemoryIT {
  @TempDir static Path tmp;
  static S3ProxyServer s3;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (s3 != null) {
      s3.close();
    }
  }

  @Test
  void oneGibPutWithA96MibHeap() throws Exception {
    long size = 1L << 30;
    Digest expected = PatternStream.digest(size, 77);
    try (JavaProcess p =
        JavaProcess.start(
            "io.berth.node.testsupport.S3PutMain",
            List.of(s3.endpoint(), "memory", Long.toString(size), "77", expected.toString()),
            Map.of(),
            List.of("-Xmx96m", "-XX:+ExitOnOutOfMemoryError"),
            tmp.resolve("put.log"))) {
      int exit = p.waitFor(600);
      assertThat(exit).as(p.output()).isZero();
      assertThat(p.output()).contains("stored " + expected + " " + size);
    }
    assertThat(java.nio.file.Files.size(s3.objectFile("memory", "blobs/sha256/" + expected.hex())))
        .isEqualTo(size);
  }
}
