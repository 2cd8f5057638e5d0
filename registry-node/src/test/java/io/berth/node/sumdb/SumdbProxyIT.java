package io.berth.node.sumdb;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.gomod.zip.DirHash;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.TestNodes;
import io.berth.node.testsupport.TestSumdb;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checksum-database proxy with the real go command: a test-made go.sum database (its own
 * Ed25519 key and Merkle tree) is proxied by Berth under {@code /sumdb/<name>/}; {@code
 * GOSUMDB=<verifier key>} with {@code GOPROXY=<berth>} makes go verify every download through
 * Berth. With the database stopped, a fresh go still verifies from Berth's stored full tiles and
 * its stale cached {@code latest}, partial tiles and lookups.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SumdbProxyIT {
  static final String DB = "sum.berth.test";
  static final String ALPHA = "example.com/sumtest/alpha";
  static final String BETA = "example.com/sumtest/Beta";
  static final String FORGED = "example.com/sumtest/forged";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static StaticGoProxy upstream;
  static TestSumdb sumdb;
  static NodeAssembly node;
  static String alphaH1;
  static String betaH1;

  @BeforeAll
  static void start() throws Exception {
    GoTool.requireGo();
    Path tree = tmp.resolve("tree");
    String alphaMod = "module " + ALPHA + "\n\ngo 1.19\n";
    GoModules.addToTree(
        tree, ALPHA, "v1.0.0", Map.of("go.mod", alphaMod, "a.go", "package alpha\n"));
    String betaMod = "module " + BETA + "\n\ngo 1.19\n";
    GoModules.addToTree(tree, BETA, "v1.1.0", Map.of("go.mod", betaMod, "b.go", "package beta\n"));
    String forgedMod = "module " + FORGED + "\n";
    GoModules.addToTree(
        tree, FORGED, "v1.0.0", Map.of("go.mod", forgedMod, "f.go", "package forged\n"));
    upstream = new StaticGoProxy(tree);
    alphaH1 = DirHash.hashZip(zipOf(tree, ALPHA, "v1.0.0"));
    betaH1 = DirHash.hashZip(zipOf(tree, BETA, "v1.1.0"));

    sumdb = new TestSumdb(DB).filler(5);
    sumdb.add(ALPHA, "v1.0.0", alphaH1, DirHash.hashGoMod(alphaMod.getBytes()));
    sumdb.filler(3);
    sumdb.add(BETA, "v1.1.0", betaH1, DirHash.hashGoMod(betaMod.getBytes()));
    sumdb.add(
        FORGED,
        "v1.0.0",
        "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
        DirHash.hashGoMod(forgedMod.getBytes()));
    sumdb.filler(300 - sumdb.size());
    sumdb.start();

    node =
        TestNodes.start(
            tmp.resolve("node"),
            c ->
                c.withGo(TestNodes.go(upstream.url(), List.of("*.corp.example.com"), 60))
                    .withSumdb(
                        new NodeConfig.SumdbSection(
                            List.of(
                                new NodeConfig.SumdbDatabase(DB, sumdb.url(), sumdb.verifierKey())),
                            1L)));
  }

  static Path zipOf(Path tree, String module, String version) {
    return tree.resolve(ModulePath.escape(module)).resolve("@v").resolve(version + ".zip");
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (sumdb != null) {
      sumdb.close();
    }
  }

  static String base() {
    return TestNodes.url(node) + "/sumdb/" + DB;
  }

  static GoTool go(String home) throws Exception {
    return new GoTool(tmp.resolve(home))
        .env("GOPROXY", TestNodes.url(node))
        .env("GOSUMDB", sumdb.verifierKey());
  }

  @Test
  @Order(0)
  void notesNotSignedByTheConfiguredKeyAreRefused() throws Exception {
    try (TestSumdb impostor = new TestSumdb(DB).filler(3).start();
        NodeAssembly other =
            TestNodes.start(
                tmp.resolve("impostor-node"),
                c ->
                    c.withSumdb(
                        new NodeConfig.SumdbSection(
                            List.of(
                                new NodeConfig.SumdbDatabase(
                                    DB, impostor.url(), sumdb.verifierKey())),
                            60L)))) {
      String b = TestNodes.url(other) + "/sumdb/" + DB;
      HttpResponse<String> latest = Http.get(b + "/latest");
      assertThat(latest.statusCode()).isEqualTo(502);
      assertThat(latest.body()).contains("served an invalid /latest").contains("not signed by");
      HttpResponse<String> lookup = Http.get(b + "/lookup/example.org/filler/m0@v1.0.0");
      assertThat(lookup.statusCode()).isEqualTo(502);
      assertThat(Http.get(b + "/latest").statusCode())
          .as("nothing invalid was cached")
          .isEqualTo(502);
      assertThat(impostor.count("/latest")).isEqualTo(2);
    }
  }

  @Test
  @Order(1)
  void protocolAnswers() throws Exception {
    assertThat(Http.get(base() + "/supported").statusCode()).isEqualTo(200);
    HttpResponse<String> other = Http.get(TestNodes.url(node) + "/sumdb/sum.golang.org/supported");
    assertThat(other.statusCode()).as("only configured databases").isEqualTo(404);
    assertThat(other.headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("text/plain");

    HttpResponse<String> latest = Http.get(base() + "/latest");
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.body()).startsWith("go.sum database tree\n300\n");
    assertThat(latest.headers().firstValue("Cache-Control")).hasValue("public, max-age=1");

    HttpResponse<String> lookup = Http.get(base() + "/lookup/example.com/sumtest/!beta@v1.1.0");
    assertThat(lookup.statusCode()).as(lookup.body()).isEqualTo(200);
    assertThat(lookup.body()).startsWith("9\n" + BETA + " v1.1.0 " + betaH1 + "\n");
    assertThat(sumdb.count("/lookup/example.com/sumtest/!beta@v1.1.0")).isEqualTo(1);

    for (String bad :
        List.of(
            "/lookup/example.com/sumtest/alpha",
            "/lookup/example.com/sumtest/alpha@1.0.0",
            "/lookup/example.com/sumtest/alpha@v1.0",
            "/lookup/example.com/sumtest/Alpha@v1.0.0",
            "/lookup/example.com/sumtest/alpha@v1.0.0@v1.0.0",
            "/lookup/example.com/sumtest/alpha@v1.0.0-",
            "/lookup/example.com/sumtest/alpha!@v1.0.0",
            "/lookup/example.com/sumtest/alpha@v1.0.0%00",
            "/tile/8/0/0",
            "/tile/8/0/000.p/256",
            "/tile/8/0/000.p/0",
            "/tile/8/x/000",
            "/tile/8/0/x000/000",
            "/tile/08/0/000")) {
      HttpResponse<String> r = Http.get(base() + bad);
      assertThat(r.statusCode()).as(bad + ": " + r.body()).isEqualTo(400);
      assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
    }
    HttpResponse<String> unknown = Http.get(base() + "/lookup/example.com/nothing@v1.0.0");
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(Http.get(base() + "/tile/8/0/002").statusCode()).isEqualTo(404);
    assertThat(Http.get(base() + "/nonsense").statusCode()).isEqualTo(404);
  }

  @Test
  @Order(2)
  void concurrentMissesOfOneTileMakeOneUpstreamFetchAndTheTileIsKept() throws Exception {
    String path = "/tile/8/data/000";
    sumdb.delay(700);
    ExecutorService pool = Executors.newFixedThreadPool(20);
    try {
      List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        Callable<HttpResponse<byte[]>> c = () -> Http.getBytes(base() + path);
        futures.add(pool.submit(c));
      }
      byte[] first = null;
      for (Future<HttpResponse<byte[]>> f : futures) {
        HttpResponse<byte[]> r = f.get();
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control"))
            .hasValue("public, max-age=31536000, immutable");
        if (first == null) {
          first = r.body();
        }
        assertThat(Arrays.equals(first, r.body())).isTrue();
      }
      assertThat(new String(first)).startsWith("0\nexample.org/filler/m0 v1.0.0 h1:");
    } finally {
      pool.shutdownNow();
      sumdb.delay(0);
    }
    assertThat(sumdb.count(path)).as("upstream fetches of one full tile").isEqualTo(1);
    assertThat(Http.getBytes(base() + path).statusCode()).isEqualTo(200);
    assertThat(sumdb.count(path)).isEqualTo(1);
    assertThat(
            node.metrics()
                .get("berth_singleflight_waits")
                .tag("area", "sumdb")
                .functionCounter()
                .count())
        .isGreaterThan(0);
  }

  @Test
  @Order(3)
  void goVerifiesDownloadsThroughBerth() throws Exception {
    GoTool go = go("go-online");
    GoTool.Result r = go.run(tmp, "mod", "download", "-json", ALPHA + "@v1.0.0", BETA + "@v1.1.0");
    assertThat(r.ok()).as(r.stdout() + r.stderr()).isTrue();
    List<String> sums = new ArrayList<>();
    for (JsonNode n : JSON.readerFor(JsonNode.class).<JsonNode>readValues(r.stdout()).readAll()) {
      sums.add(n.get("Sum").asText());
    }
    assertThat(sums).containsExactlyInAnyOrder(alphaH1, betaH1);
    assertThat(sumdb.requests())
        .as("go looked the modules up through Berth")
        .contains("/lookup/example.com/sumtest/alpha@v1.0.0", "/tile/8/0/000");

    GoTool.Result forged = go.run(tmp, "mod", "download", "-json", FORGED + "@v1.0.0");
    assertThat(forged.ok()).as("the database's hash differs, so go must refuse").isFalse();
    assertThat(forged.stdout() + forged.stderr()).contains("SECURITY ERROR");
  }

  @Test
  @Order(4)
  void anOfflineNodeStillVerifiesFromItsCache() throws Exception {
    sumdb.close();
    Thread.sleep(1500); // past the 1 s TTL: cached latest, partial tiles and lookups are stale now
    int before = sumdb.requests().size();

    GoTool go = go("go-offline");
    GoTool.Result r = go.run(tmp, "mod", "download", "-json", ALPHA + "@v1.0.0", BETA + "@v1.1.0");
    assertThat(r.ok()).as(r.stdout() + r.stderr()).isTrue();
    assertThat(r.stdout()).contains(alphaH1).contains(betaH1);
    assertThat(Files.exists(go.home().resolve("gopath/pkg/mod/cache/download/sumdb/" + DB)))
        .as("go consulted the checksum database (through Berth)")
        .isTrue();

    HttpResponse<byte[]> full = Http.getBytes(base() + "/tile/8/0/000");
    assertThat(full.statusCode()).isEqualTo(200);
    assertThat(full.body()).hasSize(256 * 32);
    assertThat(full.headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
    HttpResponse<String> latest = Http.get(base() + "/latest");
    assertThat(latest.statusCode()).isEqualTo(200);
    assertThat(latest.headers().firstValue("Warning")).get().asString().contains("stale");
    HttpResponse<byte[]> prefix = Http.getBytes(base() + "/tile/8/0/000.p/9");
    assertThat(prefix.statusCode())
        .as("a partial tile is cut from the stored full tile")
        .isEqualTo(200);
    assertThat(prefix.body()).isEqualTo(Arrays.copyOf(full.body(), 9 * 32));
    HttpResponse<String> missing = Http.get(base() + "/tile/8/1/000");
    assertThat(missing.statusCode()).isEqualTo(502);
    assertThat(missing.body()).contains("unavailable");
    assertThat(sumdb.requests().size()).isEqualTo(before);
  }
}
