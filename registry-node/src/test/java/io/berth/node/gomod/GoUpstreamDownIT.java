package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.GoUpstreamNode;
import io.berth.node.testsupport.Http;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Versions downloaded by exact version (which never asks for {@code list}) are listed from the
 * local index when the upstream is down and no {@code list} answer was ever cached: the answer is
 * the local versions marked stale, not a 500.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoUpstreamDownIT {
  static final String MOD = "example.org/down/lister";

  @TempDir static Path tmp;
  GoUpstreamNode setup;

  @BeforeAll
  void start() throws Exception {
    GoTool.requireGo();
    Path tree = tmp.resolve("tree");
    for (String v : List.of("v1.0.0", "v1.2.0", "v1.3.0")) {
      GoModules.addToTree(
          tree,
          MOD,
          v,
          Map.of(
              "go.mod",
              "module " + MOD + "\n\ngo 1.19\n",
              "l.go",
              "package lister\n\nconst V = \"" + v + "\"\n"));
    }
    setup = GoUpstreamNode.start(tree, tmp.resolve("node"));
  }

  @AfterAll
  void stop() {
    if (setup != null) {
      setup.close();
    }
  }

  @Test
  void listIsServedFromLocalVersionsWhenTheUpstreamIsDownAndListWasNeverCached() throws Exception {
    GoTool go = new GoTool(tmp.resolve("go1")).env("GOPROXY", setup.url()).env("GOSUMDB", "off");
    GoTool.Result dl = go.run(tmp, "mod", "download", "-json", MOD + "@v1.0.0", MOD + "@v1.2.0");
    assertThat(dl.ok()).as(dl.stderr() + dl.stdout()).isTrue();
    String listPath = "/" + ModulePath.escape(MOD) + "/@v/list";
    assertThat(setup.upstream().count(listPath)).as("list was never asked upstream").isZero();

    setup.upstream().close();
    HttpResponse<String> list = Http.get(setup.url() + listPath);
    assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
    assertThat(list.body().lines()).containsExactly("v1.0.0", "v1.2.0");
    assertThat(list.headers().firstValue("Warning")).get().asString().contains("stale");

    Path work = Files.createDirectories(tmp.resolve("work"));
    Files.writeString(work.resolve("go.mod"), "module example.org/work\n\ngo 1.19\n");
    GoTool cold = new GoTool(tmp.resolve("go2")).env("GOPROXY", setup.url()).env("GOSUMDB", "off");
    GoTool.Result versions = cold.run(work, "list", "-m", "-versions", MOD);
    assertThat(versions.ok()).as(versions.stderr()).isTrue();
    assertThat(versions.stdout().trim()).isEqualTo(MOD + " v1.0.0 v1.2.0");
  }
}
