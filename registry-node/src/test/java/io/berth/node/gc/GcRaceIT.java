package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.common.RepositoryName;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.PutExpectation;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciClient.Response;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage collection racing pushes, with a grace period of zero so that every unreferenced blob is
 * a deletion candidate at once, and GC running back to back. A push may fail with a retryable 503
 * when GC won a race; every push that completed must be fully readable afterwards, and GC must
 * really have deleted the junk orphans put beside them.
 *
 * <ul>
 *   <li>Go publishes whose blobs are (a) new, (b) shared with earlier versions, and (c) identical
 *       to OLD unreferenced blobs that GC is trying to delete at that moment.
 *   <li>OCI pushes (blobs in every upload mode, manifest, tag) of layers identical to old orphans,
 *       re-pushes of layers whose blobs exist, cross-repository mounts from a repository whose link
 *       no manifest names (an old orphan GC is deleting) and from one whose manifest keeps it.
 * </ul>
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GcRaceIT {
  static final String MOD = "corp.example.com/race/mod";
  static final int VERSIONS = 30;
  static final int IMAGES = 24;

  @TempDir static Path tmp;
  static StorageUnderTest storage;

  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    storage = storage();
  }

  @AfterAll
  void stop() throws Exception {
    if (storage != null) {
      storage.close();
    }
  }

  /** A node with grace 0 and no schedule; with S3 the tests' nodes share the bucket in turn. */
  private static NodeAssembly startNode(String name) throws InterruptedException {
    return TestNodes.start(
        tmp.resolve(name),
        c -> {
          NodeConfig s =
              storage.apply(c.withGo(TestNodes.go("off", List.of("corp.example.com"), 60)));
          return s.withStorage(
              s.storage().withGc(new NodeConfig.GcSection(false, 1L, 0L, 0L, false)));
        });
  }

  /** GC back to back until closed; records the runs, deletions and the first failure. */
  static final class GcLoop implements AutoCloseable {
    final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong runs = new AtomicLong();
    final AtomicLong deleted = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    final Thread thread;

    GcLoop(GcService gc) {
      thread =
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
                    failure.compareAndSet(null, t);
                    return;
                  }
                }
              },
              "gc-race");
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      stop.set(true);
      thread.join(120_000);
    }
  }

  record Published(String version, byte[] zip, String goMod) {}

  @Test
  void continuousPublishesWhileGcRunsLoseNothing() throws Exception {
    try (NodeAssembly node = startNode("go")) {
      publishesRacingGc(node);
    }
  }

  private void publishesRacingGc(NodeAssembly node) throws Exception {
    GcService gc = node.maintenance().gc();
    GcLoop loop = new GcLoop(gc);
    AtomicLong runs = loop.runs;
    AtomicLong deleted = loop.deleted;
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
      loop.close();
    }
    assertThat(loop.failure.get()).as("gc thread failure").isNull();
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

  /** A completed OCI push: where it went and everything it names. */
  record Pushed(String repo, String tag, Blob manifest, List<Blob> blobs) {}

  /** How the race's pushes went (for the log line). */
  static final class PushStats {
    int retried;
    int mountFallbacks;
    int mounted;
  }

  @Test
  void continuousOciPushesWhileGcRunsLoseNothing() throws Exception {
    try (NodeAssembly node = startNode("oci")) {
      ociPushesRacingGc(node);
    }
  }

  private void ociPushesRacingGc(NodeAssembly node) throws Exception {
    OciClient oci = new OciClient(TestNodes.url(node));
    Image base = OciImages.image(false, "amd64", 1, 20_000, 5000);
    for (Blob b : base.blobs()) {
      oci.pushBlob("race/base", b.bytes());
    }
    Response baseManifest =
        oci.putManifest("race/base", "v1", base.manifest().mediaType(), base.manifest().bytes());
    assertThat(baseManifest.status()).as(baseManifest.toString()).isEqualTo(201);
    Blob baseLayer = base.layers().get(0);

    GcService gc = node.maintenance().gc();
    List<Pushed> done = new ArrayList<>();
    PushStats stats = new PushStats();
    Random random = new Random(7);
    GcLoop loop = new GcLoop(gc);
    try {
      Blob previous = null;
      for (int i = 0; i < IMAGES; i++) {
        String repo = "race/app" + (i % 3);
        Blob layer = new Blob(OciImages.OCI_LAYER, OciImages.random(30_000 + i, 100 + i));
        Blob config =
            new Blob(
                OciImages.OCI_CONFIG,
                ("{\"architecture\":\"amd64\",\"os\":\"linux\",\"n\":" + i + "}")
                    .getBytes(StandardCharsets.UTF_8));
        // OLD unreferenced blobs with exactly the content this push stores, written below the
        // writer guard as if by a push long ago that never got its manifest
        node.rawBlobStore().put(new ByteArrayInputStream(layer.bytes()), PutExpectation.any());
        node.rawBlobStore().put(new ByteArrayInputStream(config.bytes()), PutExpectation.any());
        // an OLD orphan that only a link of race/src names (no manifest), written below the
        // writer guard: GC is deleting it while this push mounts it from race/src
        Blob orphan = new Blob(OciImages.OCI_LAYER, OciImages.random(10_000 + i, 300 + i));
        node.rawBlobStore().put(new ByteArrayInputStream(orphan.bytes()), PutExpectation.any());
        node.ociIndex().linkBlob(RepositoryName.parse("race/src"), orphan.digest(), orphan.size());
        byte[] junk = new byte[2048 + random.nextInt(4096)];
        random.nextBytes(junk);
        node.rawBlobStore().put(new ByteArrayInputStream(junk), PutExpectation.any());
        boolean orphanFirst = i % 2 == 0;
        if (!orphanFirst) {
          Thread.sleep(random.nextInt(20));
        }

        List<Blob> layers = new ArrayList<>(List.of(baseLayer, layer, orphan));
        if (previous != null) {
          layers.add(previous);
        }
        Blob manifest = OciImages.manifest(config, layers);
        Response r = null;
        for (int attempt = 0; attempt < 10; attempt++) {
          r = pushImage(oci, repo, "v" + i, config, layers, manifest, orphanFirst, stats);
          if (r.status() != 503) {
            break;
          }
          assertThat(r.header("Retry-After")).as(r.toString()).isNotNull();
          assertThat(r.errorCode()).isEqualTo("UNAVAILABLE");
          stats.retried++;
        }
        assertThat(r.status()).as("push " + i + ": " + r).isEqualTo(201);
        List<Blob> all = new ArrayList<>(layers);
        all.add(config);
        done.add(new Pushed(repo, "v" + i, manifest, all));
        previous = layer;
      }
    } finally {
      loop.close();
    }
    assertThat(loop.failure.get()).as("gc thread failure").isNull();
    gc.runNow(false, Duration.ofSeconds(10));
    gc.runNow(false, Duration.ofSeconds(10));
    assertThat(loop.runs.get()).as("gc runs during the pushes").isGreaterThan(3);
    assertThat(loop.deleted.get()).as("junk orphans deleted while racing").isGreaterThan(0);
    assertThat(done).hasSize(IMAGES);

    Set<String> expected = new HashSet<>();
    done.add(new Pushed("race/base", "v1", base.manifest(), base.blobs()));
    for (Pushed p : done) {
      Response m = oci.get("/v2/" + p.repo() + "/manifests/" + p.tag());
      assertThat(m.status()).as(p.repo() + ":" + p.tag() + " " + m).isEqualTo(200);
      assertThat(m.body()).isEqualTo(p.manifest().bytes());
      expected.add(p.manifest().digest().toString());
      for (Blob b : p.blobs()) {
        OciClient.Streamed got = oci.getDigest("/v2/" + p.repo() + "/blobs/" + b.digest());
        assertThat(got.status()).as(p.repo() + " " + b.digest()).isEqualTo(200);
        assertThat(got.digest()).isEqualTo(b.digest());
        expected.add(b.digest().toString());
      }
    }
    Set<String> left = new HashSet<>();
    node.rawBlobStore().forEach(b -> left.add(b.digest().toString()));
    assertThat(left)
        .as("what is left is exactly what the manifests name (orphans, junk and stale links gone)")
        .isEqualTo(expected);
    System.out.println(
        "gc race (oci): "
            + loop.runs.get()
            + " gc runs, "
            + loop.deleted.get()
            + " deleted, "
            + stats.retried
            + " push retries, "
            + stats.mounted
            + " orphan mounts, "
            + stats.mountFallbacks
            + " mounts that fell back to an upload");
  }

  /**
   * One push the way clients do it: the config monolithically, the new layer in chunks, the
   * previous push's layer (its blob exists) streamed again, the base layer mounted from the
   * repository whose manifest keeps it, the orphan mounted from race/src (or uploaded into the
   * session the mount opened, when GC deleted it first), then the manifest with its tag. Returns
   * the first failing response, or the manifest PUT's.
   */
  private static Response pushImage(
      OciClient oci,
      String repo,
      String tag,
      Blob config,
      List<Blob> layers,
      Blob manifest,
      boolean orphanFirst,
      PushStats stats) {
    if (orphanFirst) {
      Response m = mountOrUpload(oci, repo, layers.get(2), stats);
      if (m.status() != 201) {
        return m;
      }
    }
    Response r = monolithic(oci, repo, config);
    if (r.status() != 201) {
      return r;
    }
    Response base = oci.mount(repo, layers.get(0).digest(), "race/base");
    if (base.status() != 201) {
      return base;
    }
    r = oci.pushBlobChunked(repo, layers.get(1).bytes(), 8 * 1024);
    if (r.status() != 201) {
      return r;
    }
    if (!orphanFirst) {
      Response m = mountOrUpload(oci, repo, layers.get(2), stats);
      if (m.status() != 201) {
        return m;
      }
    }
    if (layers.size() > 3) {
      Response start = oci.send("POST", "/v2/" + repo + "/blobs/uploads/", null, Map.of());
      if (start.status() != 202) {
        return start;
      }
      Response patch =
          oci.sendStreamed("PATCH", start.header("Location"), layers.get(3).bytes(), Map.of());
      if (patch.status() != 202) {
        return patch;
      }
      r =
          oci.send(
              "PUT",
              patch.header("Location") + "?digest=" + layers.get(3).digest(),
              null,
              Map.of());
      if (r.status() != 201) {
        return r;
      }
    }
    return oci.putManifest(repo, tag, manifest.mediaType(), manifest.bytes());
  }

  /** Mounts {@code orphan} from race/src, or uploads it into the session the mount opened. */
  private static Response mountOrUpload(OciClient oci, String repo, Blob orphan, PushStats stats) {
    Response m = oci.mount(repo, orphan.digest(), "race/src");
    if (m.status() == 202) {
      stats.mountFallbacks++;
      return oci.send(
          "PUT", m.header("Location") + "?digest=" + orphan.digest(), orphan.bytes(), Map.of());
    }
    if (m.status() == 201) {
      stats.mounted++;
    }
    return m;
  }

  private static Response monolithic(OciClient oci, String repo, Blob b) {
    return oci.send(
        "POST",
        "/v2/" + repo + "/blobs/uploads/?digest=" + b.digest(),
        b.bytes(),
        Map.of("Content-Type", "application/octet-stream"));
  }
}
