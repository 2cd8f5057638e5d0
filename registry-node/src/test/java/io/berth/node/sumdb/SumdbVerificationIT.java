package io.berth.node.sumdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
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
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code go.verifyWithSumdb}: a module version fetched from upstream is checked against the
 * configured checksum database (signed tree, inclusion in the tree, both h1 hashes) before it is
 * stored. The test database serves a wrong hash for some versions: those are not stored and the
 * client gets a clear 502 text; private paths are never looked up.
 */
class SumdbVerificationIT {
  static final String DB = "sum.verify.test";
  static final String GOOD = "example.com/verify/good";
  static final String BADZIP = "example.com/verify/badzip";
  static final String BADMOD = "example.com/verify/badmod";
  static final String UNKNOWN = "example.com/verify/unknown";
  static final String WRONG = "h1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";

  @TempDir static Path tmp;
  static StaticGoProxy upstream;
  static TestSumdb sumdb;
  static NodeAssembly node;
  static Path tree;

  @BeforeAll
  static void start() throws Exception {
    GoTool.requireGo();
    tree = tmp.resolve("tree");
    sumdb = new TestSumdb(DB).filler(2);
    for (String m : List.of(GOOD, BADZIP, BADMOD, UNKNOWN)) {
      String mod = "module " + m + "\n";
      GoModules.addToTree(
          tree, m, "v1.0.0", Map.of("go.mod", mod, "x.go", "package x // " + m + "\n"));
      String zipH1 = DirHash.hashZip(zip(m));
      String modH1 = DirHash.hashGoMod(mod.getBytes());
      if (m.equals(GOOD)) {
        sumdb.add(m, "v1.0.0", zipH1, modH1);
      } else if (m.equals(BADZIP)) {
        sumdb.add(m, "v1.0.0", WRONG, modH1);
      } else if (m.equals(BADMOD)) {
        sumdb.add(m, "v1.0.0", zipH1, WRONG);
      }
      sumdb.filler(1);
    }
    sumdb.start();
    upstream = new StaticGoProxy(tree);
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c ->
                c.withGo(
                        new NodeConfig.GoSection(
                            upstream.url(),
                            List.of("*.corp.example.com"),
                            60L,
                            500L << 20,
                            10L,
                            DB))
                    .withSumdb(
                        new NodeConfig.SumdbSection(
                            List.of(
                                new NodeConfig.SumdbDatabase(DB, sumdb.url(), sumdb.verifierKey())),
                            60L)));
  }

  static Path zip(String module) {
    return tree.resolve(ModulePath.escape(module)).resolve("@v").resolve("v1.0.0.zip");
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

  static String url(String module, String file) {
    return TestNodes.url(node) + "/" + ModulePath.escape(module) + "/@v/v1.0.0" + file;
  }

  @Test
  void aVerifiedVersionIsStoredAndServed() throws Exception {
    HttpResponse<byte[]> mod = Http.getBytes(url(GOOD, ".mod"));
    assertThat(mod.statusCode()).as(new String(mod.body())).isEqualTo(200);
    HttpResponse<byte[]> zip = Http.getBytes(url(GOOD, ".zip"));
    assertThat(zip.statusCode()).as(new String(zip.body())).isEqualTo(200);
    assertThat(zip.body()).isEqualTo(Files.readAllBytes(zip(GOOD)));
    assertThat(node.moduleIndex().get(ModulePath.of(GOOD), "v1.0.0").get().getZipH1())
        .isEqualTo(DirHash.hashZip(zip(GOOD)));
    assertThat(sumdb.count("/lookup/example.com/verify/good@v1.0.0")).isGreaterThanOrEqualTo(1);
    assertThat(sumdb.requests())
        .as("the inclusion proof read tiles")
        .anyMatch(p -> p.startsWith("/tile/8/0/"));
  }

  @Test
  void aZipWhoseHashDiffersFromTheDatabaseIsNotStored() throws Exception {
    for (int attempt = 0; attempt < 2; attempt++) {
      HttpResponse<String> r = Http.get(url(BADZIP, ".zip"));
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.headers().firstValue("Content-Type")).get().asString().startsWith("text/plain");
      assertThat(r.body())
          .contains("checksum mismatch for " + BADZIP + "@v1.0.0 (zip)")
          .contains(WRONG)
          .contains("not stored");
    }
    assertThat(upstream.count("/example.com/verify/badzip/@v/v1.0.0.zip"))
        .as("nothing was stored, so the second request fetched again")
        .isEqualTo(2);
    assertThat(
            node.moduleIndex()
                .get(ModulePath.of(BADZIP), "v1.0.0")
                .map(r -> r.getZipDigest())
                .orElse(""))
        .isEmpty();
    String sha =
        HexFormat.of()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(zip(BADZIP))));
    // no index record names the refused bytes; they are not deleted directly (other content may
    // share them, and only GC deletes under its lock) but left as an orphan for GC
    assertThat(node.blobStore().stat(Digest.parse("sha256:" + sha)))
        .as("the refused zip is left to garbage collection, not deleted by the fill")
        .isPresent();

    GoTool go =
        new GoTool(tmp.resolve("go")).env("GOPROXY", TestNodes.url(node)).env("GOSUMDB", "off");
    GoTool.Result r = go.run(tmp, "mod", "download", "-json", BADZIP + "@v1.0.0");
    assertThat(r.ok()).isFalse();
    assertThat(r.stdout() + r.stderr()).contains("502").contains("checksum mismatch");
  }

  @Test
  void aGoModWhoseHashDiffersAndAnUnknownVersionAreRefused() throws Exception {
    HttpResponse<String> mod = Http.get(url(BADMOD, ".mod"));
    assertThat(mod.statusCode()).isEqualTo(502);
    assertThat(mod.body()).contains("checksum mismatch for " + BADMOD + "@v1.0.0 (go.mod)");
    assertThat(
            node.moduleIndex()
                .get(ModulePath.of(BADMOD), "v1.0.0")
                .map(r -> r.getModDigest())
                .orElse(""))
        .isEmpty();
    HttpResponse<String> unknown = Http.get(url(UNKNOWN, ".zip"));
    assertThat(unknown.statusCode()).isEqualTo(502);
    assertThat(unknown.body()).contains("does not know " + UNKNOWN + "@v1.0.0");
  }

  @Test
  void privateModulesAreNeverLookedUp() throws Exception {
    String mod = "git.corp.example.com/team/v";
    Path z =
        GoModules.zip(tmp.resolve("zips"), mod, "v1.0.0", Map.of("go.mod", "module " + mod + "\n"));
    var put =
        Http.putFile(TestNodes.url(node) + "/_berth/api/go/publish/" + mod + "/@v/v1.0.0.zip", z);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    assertThat(Http.get(TestNodes.url(node) + "/" + mod + "/@v/v1.0.0.zip").statusCode())
        .isEqualTo(200);
    assertThat(Http.get(TestNodes.url(node) + "/" + mod + "/@v/v1.0.1.mod").statusCode())
        .isEqualTo(403);
    assertThat(sumdb.requests()).noneMatch(p -> p.contains("corp.example.com"));
  }
}
