package io.berth.node.bench;

import io.berth.common.Digest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Benchmark client (issue 5): pushes a new OCI manifest (with a new tag) to node A at a fixed rate
 * and measures, for each push, the delay from A's 201 until node B answers the tag with 200 (polled
 * with HEAD every millisecond; B should not wait on misses) and, on node C (which waits on misses,
 * read-your-writes), whether one GET sent right after the 201 finds it, and how long it takes.
 * Prints one line of results for the bench script to parse.
 *
 * <p>Usage: {@code PropagationBench <A url> <B url> <C url> <pushes/s> <seconds> <repo>}
 */
public final class PropagationBench {
  private static final String MANIFEST = "application/vnd.oci.image.manifest.v1+json";
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .executor(Executors.newCachedThreadPool())
          .build();

  private PropagationBench() {}

  public static void main(String[] args) throws Exception {
    String a = args[0];
    String b = args[1];
    String c = args[2];
    double rate = Double.parseDouble(args[3]);
    int seconds = Integer.parseInt(args[4]);
    String repo = args[5];

    byte[] config =
        "{\"architecture\":\"amd64\",\"os\":\"linux\"}".getBytes(StandardCharsets.UTF_8);
    byte[] layer = new byte[4096];
    new java.util.Random(1).nextBytes(layer);
    Digest cfg = pushBlob(a, repo, config);
    Digest lyr = pushBlob(a, repo, layer);
    String run = Long.toString(System.currentTimeMillis(), 36);

    int total = (int) Math.max(1, Math.round(rate * seconds));
    ConcurrentLinkedQueue<Double> propagation = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Double> ryw = new ConcurrentLinkedQueue<>();
    AtomicInteger rywHits = new AtomicInteger();
    AtomicInteger failures = new AtomicInteger();
    ScheduledExecutorService clock = Executors.newScheduledThreadPool(4);
    var workers = Executors.newCachedThreadPool();
    long periodNanos = (long) (1e9 / rate);
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(total);
    for (int i = 0; i < total; i++) {
      int n = i;
      clock.schedule(
          () ->
              workers.submit(
                  () -> {
                    try {
                      one(
                          a,
                          b,
                          c,
                          repo,
                          run,
                          n,
                          cfg,
                          lyr,
                          config,
                          layer,
                          propagation,
                          ryw,
                          rywHits);
                    } catch (Exception e) {
                      failures.incrementAndGet();
                      System.err.println("push " + n + ": " + e);
                    } finally {
                      done.countDown();
                    }
                  }),
          n * periodNanos,
          TimeUnit.NANOSECONDS);
    }
    if (!done.await(seconds + 120L, TimeUnit.SECONDS)) {
      System.err.println("not every push finished");
      failures.incrementAndGet();
    }
    clock.shutdownNow();
    workers.shutdownNow();
    System.out.printf(
        Locale.ROOT,
        "pushes=%d failures=%d propagation_p50_ms=%.2f propagation_p99_ms=%.2f"
            + " propagation_max_ms=%.2f ryw_hits=%d ryw_p50_ms=%.2f ryw_p99_ms=%.2f%n",
        total,
        failures.get(),
        pct(propagation, 50),
        pct(propagation, 99),
        pct(propagation, 100),
        rywHits.get(),
        pct(ryw, 50),
        pct(ryw, 99));
    System.exit(failures.get() == 0 ? 0 : 1);
  }

  private static void one(
      String a,
      String b,
      String c,
      String repo,
      String run,
      int n,
      Digest cfg,
      Digest lyr,
      byte[] config,
      byte[] layer,
      ConcurrentLinkedQueue<Double> propagation,
      ConcurrentLinkedQueue<Double> ryw,
      AtomicInteger rywHits)
      throws Exception {
    String tag = "p" + run + "-" + n;
    String manifest =
        "{\"schemaVersion\":2,\"mediaType\":\""
            + MANIFEST
            + "\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\""
            + cfg
            + "\",\"size\":"
            + config.length
            + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
            + "\"digest\":\""
            + lyr
            + "\",\"size\":"
            + layer.length
            + "}],\"annotations\":{\"bench\":\""
            + tag
            + "\"}}";
    HttpResponse<String> put =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(a + "/v2/" + repo + "/manifests/" + tag))
                .header("Content-Type", MANIFEST)
                .PUT(HttpRequest.BodyPublishers.ofString(manifest))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    long acked = System.nanoTime();
    if (put.statusCode() != 201) {
      throw new IllegalStateException(
          "PUT " + tag + " on A: " + put.statusCode() + " " + put.body());
    }
    Thread rywThread =
        new Thread(
            () -> {
              try {
                HttpResponse<Void> r =
                    HTTP.send(
                        HttpRequest.newBuilder(URI.create(c + "/v2/" + repo + "/manifests/" + tag))
                            .GET()
                            .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                  rywHits.incrementAndGet();
                  ryw.add((System.nanoTime() - acked) / 1e6);
                }
              } catch (Exception e) {
                System.err.println("ryw " + tag + ": " + e);
              }
            });
    rywThread.start();
    long deadline = acked + TimeUnit.SECONDS.toNanos(60);
    while (true) {
      HttpResponse<Void> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create(b + "/v2/" + repo + "/manifests/" + tag))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.discarding());
      if (r.statusCode() == 200) {
        propagation.add((System.nanoTime() - acked) / 1e6);
        break;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(tag + " never became readable on B");
      }
      Thread.sleep(1);
    }
    rywThread.join();
  }

  private static Digest pushBlob(String base, String repo, byte[] content) throws Exception {
    Digest d = Digest.sha256(content);
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(base + "/v2/" + repo + "/blobs/uploads/?digest=" + d))
                .header("Content-Type", "application/octet-stream")
                .POST(HttpRequest.BodyPublishers.ofByteArray(content))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 201) {
      throw new IllegalStateException("blob push: " + r.statusCode() + " " + r.body());
    }
    return d;
  }

  private static double pct(ConcurrentLinkedQueue<Double> values, double p) {
    List<Double> v = new ArrayList<>(values);
    if (v.isEmpty()) {
      return Double.NaN;
    }
    Collections.sort(v);
    int i = (int) Math.ceil(p / 100.0 * v.size()) - 1;
    return v.get(Math.max(0, Math.min(v.size() - 1, i)));
  }
}
