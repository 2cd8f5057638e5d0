package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Only module paths matching go.publishPatterns (default: go.privatePatterns) can be published; a
 * public path is refused with 403 text/plain naming the setting, so nobody can shadow a public
 * module with a published zip.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoPublishPatternsIT {
  @TempDir static Path tmp;
  NodeAssembly byPrivate;
  NodeAssembly byPublish;

  @BeforeAll
  void start() throws Exception {
    byPrivate =
        TestNodes.start(
            tmp.resolve("a"),
            c ->
                c.withGo(
                    TestNodes.go("off", List.of("corp.example.com"), 60)
                        .withPublishPatterns(List.of())));
    byPublish =
        TestNodes.start(
            tmp.resolve("b"),
            c ->
                c.withGo(
                    TestNodes.go("off", List.of("corp.example.com"), 60)
                        .withPublishPatterns(List.of("*.internal.example"))));
  }

  @AfterAll
  void stop() {
    for (NodeAssembly n : new NodeAssembly[] {byPrivate, byPublish}) {
      if (n != null) {
        n.close();
      }
    }
  }

  private static HttpResponse<String> publish(NodeAssembly node, String module) throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips").resolve(module.replace('/', '_')),
            module,
            "v1.0.0",
            Map.of("go.mod", "module " + module + "\n", "x.go", "package x\n"));
    return Http.putFile(
        TestNodes.url(node) + "/_berth/api/go/publish/" + module + "/@v/v1.0.0.zip", zip);
  }

  @Test
  void withoutPublishPatternsOnlyPrivatePathsCanBePublished() throws Exception {
    HttpResponse<String> ok = publish(byPrivate, "corp.example.com/team/lib");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);

    HttpResponse<String> refused = publish(byPrivate, "github.com/sirupsen/logrus");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Content-Type"))
        .get()
        .asString()
        .startsWith("text/plain");
    assertThat(refused.body())
        .contains("github.com/sirupsen/logrus")
        .contains("go.publishPatterns")
        .contains("go.privatePatterns");
    assertThat(
            Http.get(TestNodes.url(byPrivate) + "/github.com/sirupsen/logrus/@v/v1.0.0.info")
                .statusCode())
        .as("nothing was stored for the refused path")
        .isEqualTo(404);
  }

  @Test
  void publishPatternsReplaceThePrivatePatternsForPublishing() throws Exception {
    HttpResponse<String> ok = publish(byPublish, "git.internal.example/team/lib");
    assertThat(ok.statusCode()).as(ok.body()).isEqualTo(201);
    HttpResponse<String> refused = publish(byPublish, "corp.example.com/team/lib");
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
    assertThat(refused.body()).contains("*.internal.example");
  }
}
