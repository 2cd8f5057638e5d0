package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.PatternStream;
import io.berth.node.testsupport.StorageUnderTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eight concurrent 64 MiB OCI blob pushes over HTTP into a node process on S3 (S3Proxy) whose JVM
 * has a 128 MiB heap and exits on OutOfMemoryError. Before the shared upload buffer budget each put
 * held up to {@code (maxPartsInFlight + 2) * 8 MiB}, so eight pushes needed ~256 MiB of buffers;
 * now all puts together stay within the default budget (a quarter of the heap). The bodies are
 * generated while they are sent (never in the test's heap). Every push must succeed (a 503 +
 * Retry-After, the storage-busy answer, is retried as a client would) and every blob must read back
 * with its digest and size.
 */
class OciS3ConcurrentPushMemoryIT {
  static final long SIZE = 64L << 20;
  static final int PUSHES = 8;

  @TempDir static Path tmp;
  static StorageUnderTest storage;
  static NodeProcess node;
  static OciClient oci;

  @BeforeAll
  static void start() throws Exception {
    storage = StorageUnderTest.s3(tmp.resolve("s3"), "oci-concurrent-memory");
    Map<String, String> env = new HashMap<>(storage.env());
    // timeouts a loaded 2-core machine moving 512 MiB through S3Proxy still meets
    env.put("BERTH_STORAGE_S3_REQUEST_TIMEOUT_SECONDS", "120");
    env.put("BERTH_STORAGE_S3_BUFFER_WAIT_MILLIS", "300000");
    node =
        NodeProcess.start(
            tmp.resolve("node"),
            env,
            tmp.resolve("node.log"),
            "127.0.0.1",
            List.of("-Xmx128m", "-XX:+ExitOnOutOfMemoryError"));
    oci = new OciClient(node.url());
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  @Test
  void eightConcurrent64MibPushesWithA128MibHeap() throws Exception {
    AtomicInteger busy = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(PUSHES);
    List<CompletableFuture<Response>> pushes = new ArrayList<>();
    List<Digest> digests = new ArrayList<>();
    try {
      for (int i = 0; i < PUSHES; i++) {
        long seed = 100 + i;
        Digest d = PatternStream.digest(SIZE, seed);
        digests.add(d);
        String repo = "memory/concurrent" + i;
        pushes.add(
            CompletableFuture.supplyAsync(
                () -> {
                  for (int attempt = 0; ; attempt++) {
                    Response r =
                        oci.sendStream(
                            "POST",
                            "/v2/" + repo + "/blobs/uploads/?digest=" + d,
                            () -> new PatternStream(SIZE, seed),
                            SIZE,
                            Map.of("Content-Type", "application/octet-stream"));
                    if (r.status() != 503 || attempt >= 20) {
                      return r;
                    }
                    assertThat(r.header("Retry-After")).as("busy answer " + r).isNotNull();
                    busy.incrementAndGet();
                    sleep(Long.parseLong(r.header("Retry-After")) * 1000);
                  }
                },
                pool));
      }
      for (int i = 0; i < PUSHES; i++) {
        Response r = pushes.get(i).get(30, TimeUnit.MINUTES);
        assertThat(r.status()).as("push " + i + ": " + r + "\n" + node.output()).isEqualTo(201);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(node.isAlive()).as("node alive after the pushes\n" + node.output()).isTrue();
    assertThat(node.output()).doesNotContain("OutOfMemoryError");
    for (int i = 0; i < PUSHES; i++) {
      Digest d = digests.get(i);
      OciClient.Streamed got = oci.getDigest("/v2/memory/concurrent" + i + "/blobs/" + d);
      assertThat(got.status()).isEqualTo(200);
      assertThat(got.size()).isEqualTo(SIZE);
      assertThat(got.digest()).isEqualTo(d);
      assertThat(Files.size(storage.s3().objectFile(storage.bucket(), "blobs/sha256/" + d.hex())))
          .as("object in the bucket")
          .isEqualTo(SIZE);
    }
    System.out.println("storage-busy answers retried: " + busy.get());
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
