package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pull-through from a static GOPROXY tree served over HTTP: concurrent misses make exactly one
 * upstream fetch, and with the upstream stopped cached versions still download and {@code list} is
 * served stale.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoPullThroughIT {
  static final String MOD = "github.com/Example/Widgets";

  @TempDir static Path tmp;
  static StaticGoProxy upstream;
  static NodeAssembly node;

  @BeforeAll
  void start() throws Exception {
    GoTool.requireGo();
    Path tree = tmp.resolve("tree");
    StringBuilder big = new StringBuilder("package widgets\n\nvar Data = []string{\n");
    for (int i = 0; i < 20_000; i++) {
      big.append("\t\"")
          .append(i)
          .append("-")
          .append(Integer.toHexString(i * 7919))
          .append("\",\n");
    }
    big.append("}\n");
    GoModules.addToTree(
        tree,
        MOD,
        "v1.0.0",
        Map.of("go.mod", "module " + MOD + "\n\ngo 1.19\n", "data.go", big.toString()));
    GoModules.addToTree(
        tree,
        MOD,
        "v1.1.0",
        Map.of(
            "go.mod",
            "module " + MOD + "\n\ngo 1.19\n",
            "w.go",
            "package widgets\n\nconst Name = \"widgets\"\n"));
    upstream = new StaticGoProxy(tree);
    storage = storage();
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> storage.apply(c.withGo(TestNodes.go(upstream.url(), List.of(), 1))));
  }

  /** Storage under test; the default is the embedded file store. */
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  static StorageUnderTest storage;

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  @Test
  void fiftyConcurrentMissesMakeOneUpstreamFetchAndUpstreamOutageIsSurvived() throws Exception {
    String zipPath = "/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip";
    byte[] expected = Files.readAllBytes(upstream.root().resolve(zipPath.substring(1)));
    upstream.throttle(200_000);
    ExecutorService pool = Executors.newFixedThreadPool(50);
    List<Future<HttpResponse<byte[]>>> results = new ArrayList<>();
    try {
      for (int i = 0; i < 50; i++) {
        Callable<HttpResponse<byte[]>> c = () -> Http.getBytes(TestNodes.url(node) + zipPath);
        results.add(pool.submit(c));
      }
      for (Future<HttpResponse<byte[]>> f : results) {
        HttpResponse<byte[]> r = f.get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(sha(r.body())).isEqualTo(sha(expected));
      }
    } finally {
      pool.shutdownNow();
      upstream.throttle(0);
    }
    assertThat(upstream.count(zipPath)).as("upstream fetches of the zip").isEqualTo(1);
    assertThat(Http.get(TestNodes.url(node) + "/metrics").body())
        .contains("berth_singleflight_waits_total");

    // go mod download through the node fills the cache for v1.1.0 too, and list is cached
    GoTool go =
        new GoTool(tmp.resolve("go1")).env("GOPROXY", TestNodes.url(node)).env("GOSUMDB", "off");
    GoTool.Result r1 = go.run(tmp, "mod", "download", "-json", MOD + "@v1.1.0", MOD + "@v1.0.0");
    assertThat(r1.ok()).as(r1.stderr() + r1.stdout()).isTrue();
    HttpResponse<String> list =
        Http.get(TestNodes.url(node) + "/" + ModulePath.escape(MOD) + "/@v/list");
    assertThat(list.body().lines()).containsExactlyInAnyOrder("v1.0.0", "v1.1.0");
    int fetchesBefore = upstream.requests().size();

    upstream.close();
    Thread.sleep(1100); // the list TTL is 1 s: the next list must go upstream, fail, and be stale
    HttpResponse<String> stale =
        Http.get(TestNodes.url(node) + "/" + ModulePath.escape(MOD) + "/@v/list");
    assertThat(stale.statusCode()).isEqualTo(200);
    assertThat(stale.body().lines()).containsExactlyInAnyOrder("v1.0.0", "v1.1.0");
    assertThat(stale.headers().firstValue("Warning")).get().asString().contains("stale");

    GoTool cold =
        new GoTool(tmp.resolve("go2")).env("GOPROXY", TestNodes.url(node)).env("GOSUMDB", "off");
    GoTool.Result r2 = cold.run(tmp, "mod", "download", "-json", MOD + "@v1.1.0", MOD + "@v1.0.0");
    assertThat(r2.ok())
        .as("cached versions download with the upstream stopped: " + r2.stderr())
        .isTrue();
    assertThat(r2.stdout())
        .isEqualTo(r1.stdout().replace(go.home().toString(), cold.home().toString()));
    assertThat(upstream.requests().size()).isEqualTo(fetchesBefore);
  }

  private static String sha(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }
}
