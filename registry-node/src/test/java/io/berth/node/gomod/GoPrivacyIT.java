package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.TestNodes;
import io.berth.node.testsupport.TestSumdb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Invariant 7 with the real go command: a private path Berth does not hold is answered 403 (never
 * 404), so {@code GOPROXY=<berth>,<sentinel>} never reaches the sentinel, and Berth itself never
 * asks its upstream about it. The same holds for checksum lookups: go's lookup of a private path
 * through Berth's {@code /sumdb/} is answered 403 and reaches neither the next proxy nor the
 * upstream checksum database.
 */
class GoPrivacyIT {
  @TempDir static Path tmp;
  static StaticGoProxy sentinel;
  static StaticGoProxy upstreamSentinel;
  static NodeAssembly node;
  static TestSumdb sumdb;

  @BeforeAll
  static void start() throws Exception {
    GoTool.requireGo();
    Files.createDirectories(tmp.resolve("empty"));
    sentinel = StaticGoProxy.sentinel(tmp.resolve("empty"), 404);
    upstreamSentinel = StaticGoProxy.sentinel(tmp.resolve("empty"), 404);
    sumdb = new TestSumdb("sum.privacy.test").filler(3).start();
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c ->
                c.withGo(
                        TestNodes.go(
                            upstreamSentinel.url(),
                            List.of("*.corp.example.com", "secret.example.org"),
                            60))
                    .withSumdb(
                        new NodeConfig.SumdbSection(
                            List.of(
                                new NodeConfig.SumdbDatabase(
                                    sumdb.name(), sumdb.url(), sumdb.verifierKey())),
                            60L)));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    sentinel.close();
    upstreamSentinel.close();
    sumdb.close();
  }

  @Test
  void checksumLookupOfAPrivatePathIs403AndSendsNothing() throws Exception {
    String mod = "git.corp.example.com/team/summed";
    int sentinelBefore = sentinel.requests().size();
    int upstreamBefore = upstreamSentinel.requests().size();
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            mod,
            "v1.0.0",
            Map.of("go.mod", "module " + mod + "\n", "s.go", "package summed\n"));
    var put =
        Http.putFile(TestNodes.url(node) + "/_berth/api/go/publish/" + mod + "/@v/v1.0.0.zip", zip);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

    // The module is on Berth, so go gets it and then asks the checksum database (GONOSUMDB and
    // GOPRIVATE are empty on this client): Berth's /sumdb/ answers the lookup 403.
    GoTool go =
        new GoTool(tmp.resolve("go-sumdb"))
            .env("GOPROXY", TestNodes.url(node) + "," + sentinel.url())
            .env("GOSUMDB", sumdb.verifierKey());
    GoTool.Result r = go.run(tmp, "mod", "download", "-json", mod + "@v1.0.0");
    assertThat(r.ok()).isFalse();
    assertThat(r.stdout() + r.stderr())
        .contains("403")
        .contains("never looked up in a public checksum database");

    for (String path :
        List.of(
            "/lookup/git.corp.example.com/team/summed@v1.0.0",
            "/lookup/git.corp.example.com/team/other@v1.2.3",
            "/lookup/secret.example.org/x/y/v2@v2.0.0",
            "/lookup/deep.git.corp.example.com/!upper@v0.1.0-pre")) {
      var resp = Http.get(TestNodes.url(node) + "/sumdb/" + sumdb.name() + path);
      assertThat(resp.statusCode()).as(path).isEqualTo(403);
      assertThat(resp.headers().firstValue("Content-Type"))
          .get()
          .asString()
          .startsWith("text/plain");
      assertThat(resp.body()).contains("private module path");
    }
    assertThat(sumdb.requests()).as("requests that reached the checksum database").isEmpty();
    assertThat(sentinel.requests())
        .as("requests that reached the next proxy")
        .hasSize(sentinelBefore);
    assertThat(upstreamSentinel.requests())
        .as("requests Berth sent upstream")
        .hasSize(upstreamBefore);
  }

  @Test
  void privateModuleMissingFromBerthFailsWith403AndNothingLeaks() throws Exception {
    GoTool go =
        new GoTool(tmp.resolve("go"))
            .env("GOPROXY", TestNodes.url(node) + "," + sentinel.url())
            .env("GOSUMDB", "off");
    for (String mod : List.of("git.corp.example.com/team/secret", "secret.example.org/x/y/v2")) {
      String v = mod.endsWith("/v2") ? "v2.0.0" : "v1.0.0";
      GoTool.Result r = go.run(tmp, "mod", "download", "-json", mod + "@" + v);
      assertThat(r.ok()).isFalse();
      assertThat(r.stdout() + r.stderr()).contains("403").contains("private module path");
      GoTool.Result latest = go.run(tmp, "list", "-m", "-json", mod + "@latest");
      assertThat(latest.ok()).isFalse();
      assertThat(latest.stdout() + latest.stderr()).contains("403");
    }
    assertThat(sentinel.requests()).as("requests that reached the next proxy").isEmpty();
    assertThat(upstreamSentinel.requests()).as("requests Berth sent upstream").isEmpty();

    for (String path :
        List.of(
            "/git.corp.example.com/team/secret/@v/list",
            "/git.corp.example.com/team/secret/@latest",
            "/git.corp.example.com/team/secret/@v/master.info",
            "/git.corp.example.com/team/secret/@v/v1.0.0.mod",
            "/git.corp.example.com/team/secret/@v/v1.0.0.zip")) {
      var r = Http.get(TestNodes.url(node) + path);
      assertThat(r.statusCode()).as(path).isEqualTo(403);
      assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
    }
    assertThat(upstreamSentinel.requests()).isEmpty();
  }

  @Test
  void publishedPrivateModuleIsServedAndPublicMissFallsThrough() throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            "git.corp.example.com/team/lib",
            "v1.0.0",
            Map.of("go.mod", "module git.corp.example.com/team/lib\n", "l.go", "package lib\n"));
    var put =
        Http.putFile(
            TestNodes.url(node)
                + "/_berth/api/go/publish/git.corp.example.com/team/lib/@v/v1.0.0.zip",
            zip);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    GoTool go =
        new GoTool(tmp.resolve("go2"))
            .env("GOPROXY", TestNodes.url(node) + "," + sentinel.url())
            .env("GOSUMDB", "off");
    GoTool.Result ok =
        go.run(tmp, "mod", "download", "-json", "git.corp.example.com/team/lib@v1.0.0");
    assertThat(ok.ok()).as(ok.stderr()).isTrue();
    GoTool.Result other =
        go.run(tmp, "mod", "download", "-json", "git.corp.example.com/team/lib@v1.0.1");
    assertThat(other.ok()).isFalse();
    assertThat(sentinel.requests()).isEmpty();

    int before = sentinel.requests().size();
    GoTool.Result pub = go.run(tmp, "mod", "download", "-json", "public.example.net/m@v1.0.0");
    assertThat(pub.ok()).isFalse();
    assertThat(sentinel.requests().size())
        .as("a public miss (404) falls through to the next proxy")
        .isGreaterThan(before);
  }
}
