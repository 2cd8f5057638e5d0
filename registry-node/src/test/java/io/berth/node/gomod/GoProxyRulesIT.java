package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GOPROXY answer rules from the module proxy protocol: {@code .info} Version equals the requested
 * canonical version exactly, {@code list} never contains pseudo-versions, a version without go.mod
 * gets a synthetic {@code module <path>\n}, {@code .mod}/{@code .zip} are immutable and {@code
 * list}/{@code @latest} have a short max-age.
 */
class GoProxyRulesIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PUB = "example.com/rules/NoGoMod";
  static final String UP = "example.com/rules/up";
  static final String LIAR = "example.com/rules/liar";

  @TempDir static Path tmp;
  static StaticGoProxy upstream;
  static NodeAssembly node;

  @BeforeAll
  static void start() throws Exception {
    Path tree = tmp.resolve("tree");
    GoModules.addToTree(tree, UP, "v1.0.0", Map.of("go.mod", "module " + UP + "\n"));
    GoModules.addToTree(tree, UP, "v1.1.0", Map.of("go.mod", "module " + UP + "\n"));
    Path list = tree.resolve(UP).resolve("@v/list");
    Files.writeString(
        list,
        "v1.0.0\nv1.1.0 2024-01-02T03:04:05Z\nv1.1.1-0.20240102030405-abcdefabcdef\n"
            + "v0.0.0-20240102030405-abcdefabcdef\nv1.2\nnot-a-version\n\n");
    GoModules.addToTree(tree, LIAR, "v1.0.0", Map.of("go.mod", "module " + LIAR + "\n"));
    Files.writeString(
        tree.resolve(LIAR).resolve("@v/v1.0.0.info"),
        "{\"Version\":\"v1.0.1\",\"Time\":\"2024-01-02T03:04:05Z\"}");
    upstream = new StaticGoProxy(tree);
    node =
        TestNodes.start(
            tmp.resolve("node"), c -> c.withGo(TestNodes.go(upstream.url(), List.of(), 30)));
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  static String url(String module, String rest) {
    return TestNodes.url(node) + "/" + ModulePath.escape(module) + rest;
  }

  @Test
  void publishedVersionWithoutGoModGetsASyntheticOne() throws Exception {
    Path zip =
        GoModules.zip(tmp.resolve("zips"), PUB, "v1.2.3", Map.of("x.go", "package nogomod\n"));
    HttpResponse<String> put =
        Http.putFile(
            TestNodes.url(node)
                + "/_berth/api/go/publish/"
                + ModulePath.escape(PUB)
                + "/@v/v1.2.3.zip",
            zip);
    assertThat(put.statusCode()).as(put.body()).isEqualTo(201);
    HttpResponse<String> mod = Http.get(url(PUB, "/@v/v1.2.3.mod"));
    assertThat(mod.statusCode()).isEqualTo(200);
    assertThat(mod.body()).isEqualTo("module " + PUB + "\n");
    assertThat(mod.headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
    assertThat(Http.get(url(PUB, "/@v/v1.2.3.zip")).headers().firstValue("Cache-Control"))
        .hasValue("public, max-age=31536000, immutable");
    JsonNode info = JSON.readTree(Http.get(url(PUB, "/@v/v1.2.3.info")).body());
    assertThat(info.get("Version").asText()).isEqualTo("v1.2.3");
    HttpResponse<String> list = Http.get(url(PUB, "/@v/list"));
    assertThat(list.body()).isEqualTo("v1.2.3\n");
    assertThat(list.headers().firstValue("Cache-Control")).hasValue("public, max-age=30");
    HttpResponse<String> latest = Http.get(url(PUB, "/@latest"));
    assertThat(JSON.readTree(latest.body()).get("Version").asText()).isEqualTo("v1.2.3");
    assertThat(latest.headers().firstValue("Cache-Control")).hasValue("public, max-age=30");
  }

  @Test
  void upstreamListLosesPseudoVersionsAndNonCanonicalLines() throws Exception {
    HttpResponse<String> list = Http.get(url(UP, "/@v/list"));
    assertThat(list.statusCode()).isEqualTo(200);
    assertThat(list.body()).isEqualTo("v1.0.0\nv1.1.0 2024-01-02T03:04:05Z\n");
    JsonNode info = JSON.readTree(Http.get(url(UP, "/@v/v1.1.0.info")).body());
    assertThat(info.get("Version").asText()).isEqualTo("v1.1.0");
  }

  @Test
  void anUpstreamInfoForAnotherVersionIsRefusedAndNotStored() throws Exception {
    for (int i = 0; i < 2; i++) {
      HttpResponse<String> r = Http.get(url(LIAR, "/@v/v1.0.0.info"));
      assertThat(r.statusCode()).isEqualTo(502);
      assertThat(r.body()).contains("Version \"v1.0.1\"").contains("not stored");
    }
    assertThat(upstream.count("/example.com/rules/liar/@v/v1.0.0.info")).isEqualTo(2);
  }
}
