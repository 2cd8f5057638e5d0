package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection racing publishes, with a grace period of zero so that every unreferenced blob
 * is a deletion candidate at once: GC runs back to back while versions are published whose blobs
 * are (a) new, (b) shared with earlier versions, and (c) identical to OLD unreferenced blobs that
 * GC is trying to delete at that moment (re-publishing identical content). A publish may fail with
 * a retryable 503 when GC won a race; every publish that completed must be fully readable
 * afterwards, and GC must really have deleted the junk orphans put beside them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GcRaceIT {
  static final String MOD = "corp.example.com/race/mod";
  static final int VERSIONS = 30;

  @TempDir static Path tmp;
  static StorageUnderTest storage;
  static NodeAssembly node;

  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    storage = storage();
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> {
              NodeConfig s =
                  storage.apply(c.withGo(TestNodes.go("off", List.of("corp.example.com"), 60)));
              return s.withStorage(
                  s.storage().withGc(new NodeConfig.GcSection(false, 1L, 0L, 0L, false)));
            });
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  record Published(String version, byte[] zip, String goMod) {}

  @Test
  void continuousPublishesWhileGcRunsLoseNothing() throws Exception {
    GcService gc = node.maintenance().gc();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong runs = new AtomicLong();
    AtomicLong deleted = new AtomicLong();
    AtomicReference<Throwable> gcFailure = new AtomicReference<>();
    Thread collector =
        new Thread(
            () -> {
              while (!stop.get()) {
                try {
                  gc.runNow(false, Duration.ofSeconds(10))
                      .ifPresent(
                          r -> {
                            runs.incrementAndGet();
                            deleted.addAndGet(r.deletedBlobs());
                          });
                } catch (Throwable t) {
                  gcFailure.compareAndSet(null, t);
                  return;
                }
              }
            },
            "gc-race");
    collector.start();
    List<Published> done = new ArrayList<>();
    int retried = 0;
    Random random = new Random(42);
    String base = TestNodes.url(node) + "/_berth/api/go/publish/" + ModulePath.escape(MOD) + "/@v/";
    try {
      for (int i = 0; i < VERSIONS; i++) {
        String version = "v1.0." + i;
        String goMod = "module " + MOD + "\n\ngo 1.19\n// flavour " + (i % 3) + "\n";
        Path zip =
            GoModules.zip(
                tmp.resolve("zips"),
                MOD,
                version,
                Map.of("go.mod", goMod, "a.go", "package mod\n\nconst N = " + i + "\n"));
        byte[] zipBytes = Files.readAllBytes(zip);
        // an OLD unreferenced blob with exactly the content this publish stores, written below the
        // writer guard as if by a publish long ago that never committed
        node.rawBlobStore().put(new ByteArrayInputStream(zipBytes), PutExpectation.any());
        node.rawBlobStore()
            .put(
                new ByteArrayInputStream(goMod.getBytes(StandardCharsets.UTF_8)),
                PutExpectation.any());
        byte[] junk = new byte[2048 + random.nextInt(4096)];
        random.nextBytes(junk);
        node.rawBlobStore().put(new ByteArrayInputStream(junk), PutExpectation.any());
        HttpResponse<String> r = null;
        for (int attempt = 0; attempt < 10; attempt++) {
          r = Http.putFile(base + version + ".zip", zip);
          if (r.statusCode() != 503) {
            break;
          }
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
          retried++;
        }
        assertThat(r.statusCode()).as(version + ": " + r.body()).isEqualTo(201);
        done.add(new Published(version, zipBytes, goMod));
      }
    } finally {
      stop.set(true);
      collector.join(60_000);
    }
    assertThat(gcFailure.get()).as("gc thread failure").isNull();
    gc.runNow(false, Duration.ofSeconds(10));
    gc.runNow(false, Duration.ofSeconds(10));
    assertThat(runs.get()).as("gc runs during the publishes").isGreaterThan(3);
    assertThat(deleted.get()).as("junk orphans deleted while racing").isGreaterThan(0);
    assertThat(done).hasSize(VERSIONS);
    String goproxy = TestNodes.url(node) + "/" + ModulePath.escape(MOD) + "/@v/";
    for (Published p : done) {
      HttpResponse<byte[]> zip = Http.getBytes(goproxy + p.version() + ".zip");
      assertThat(zip.statusCode()).as(p.version() + ".zip").isEqualTo(200);
      assertThat(zip.body()).isEqualTo(p.zip());
      HttpResponse<String> mod = Http.get(goproxy + p.version() + ".mod");
      assertThat(mod.statusCode()).as(p.version() + ".mod").isEqualTo(200);
      assertThat(mod.body()).isEqualTo(p.goMod());
      HttpResponse<String> info = Http.get(goproxy + p.version() + ".info");
      assertThat(info.statusCode()).as(p.version() + ".info").isEqualTo(200);
      assertThat(info.body()).contains(p.version());
    }
    var blobs = new ArrayList<String>();
    node.rawBlobStore().forEach(b -> blobs.add(b.digest().toString()));
    // what is left is exactly what the index references: 30 zips, 30 infos, 3 go.mods
    assertThat(blobs).hasSize(VERSIONS * 2 + 3);
    System.out.println(
        "gc race: "
            + runs.get()
            + " gc runs, "
            + deleted.get()
            + " deleted, "
            + retried
            + " publish retries");
  }
}
