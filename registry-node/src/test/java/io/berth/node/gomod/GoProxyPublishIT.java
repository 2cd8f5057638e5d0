package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.cli.BerthCommand;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Publishes two private modules (one importing the other, one with uppercase letters in its path)
 * and uses them from the real go command through the node: download, build, run, and the hashes go
 * computes equal those Berth stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoProxyPublishIT {
  static final String GREETER = "corp.example.com/Team/Greeter";
  static final String LIB = "corp.example.com/app/lib";

  @TempDir static Path tmp;
  static NodeAssembly node;

  /** Storage under test; the default is the embedded file store. */
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  static StorageUnderTest storage;

  @BeforeAll
  void start() throws Exception {
    GoTool.requireGo();
    storage = storage();
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> storage.apply(c.withGo(TestNodes.go("off", List.of("corp.example.com"), 60))));
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

  @Test
  void publishedModulesDownloadAndBuildWithTheRealGoCommand() throws Exception {
    Path greeterDir = tmp.resolve("src/greeter");
    Files.createDirectories(greeterDir.resolve(".git"));
    Files.writeString(greeterDir.resolve("go.mod"), "module " + GREETER + "\n\ngo 1.19\n");
    Files.writeString(
        greeterDir.resolve("greeter.go"),
        "package greeter\n\nfunc Hello(n string) string { return \"hello, \" + n }\n");
    Files.writeString(greeterDir.resolve(".git/config"), "excluded from the module zip\n");
    Path libDir = tmp.resolve("src/lib");
    Files.createDirectories(libDir);
    Files.writeString(
        libDir.resolve("go.mod"),
        "module " + LIB + "\n\ngo 1.19\n\nrequire " + GREETER + " v1.2.0\n");
    Files.writeString(
        libDir.resolve("lib.go"),
        "package lib\n\nimport greeter \""
            + GREETER
            + "\"\n\n"
            + "func Greet() string { return greeter.Hello(\"berth\") }\n");
    String registry = TestNodes.url(node);
    assertThat(
            BerthCommand.commandLine()
                .execute(
                    "go",
                    "publish",
                    greeterDir.toString(),
                    GREETER + "@v1.2.0",
                    "--registry",
                    registry))
        .isZero();
    assertThat(
            BerthCommand.commandLine()
                .execute(
                    "go", "publish", libDir.toString(), LIB + "@v0.1.0", "--registry", registry))
        .isZero();
    String base = registry + "/_berth/api/go/publish/";
    Path greeter = tmp.resolve("greeter.zip");
    try (var out = Files.newOutputStream(greeter)) {
      new io.berth.node.gomod.zip.ModuleZipBuilder()
          .createFromDir(greeterDir, ModulePath.of(GREETER), "v1.2.0", out);
    }

    GoTool go =
        new GoTool(tmp.resolve("gohome")).env("GOPROXY", TestNodes.url(node)).env("GOSUMDB", "off");
    Path app = tmp.resolve("app");
    Files.createDirectories(app);
    Files.writeString(
        app.resolve("go.mod"), "module example.com/app\n\ngo 1.19\n\nrequire " + LIB + " v0.1.0\n");
    Files.writeString(
        app.resolve("main.go"),
        "package main\n\nimport (\n\t\"fmt\"\n\n\tlib \""
            + LIB
            + "\"\n)\n\n"
            + "func main() { fmt.Println(lib.Greet()) }\n");

    GoTool.Result dl =
        go.run(app, "mod", "download", "-json", GREETER + "@v1.2.0", LIB + "@v0.1.0");
    assertThat(dl.ok()).as(dl.stderr() + dl.stdout()).isTrue();
    List<JsonNode> downloads = new ArrayList<>();
    new ObjectMapper()
        .readerFor(JsonNode.class)
        .readValues(dl.stdout())
        .forEachRemaining(n -> downloads.add((JsonNode) n));
    assertThat(downloads).hasSize(2);
    for (JsonNode d : downloads) {
      ModuleVersionRecord rec =
          node.moduleIndex()
              .get(ModulePath.of(d.get("Path").asText()), d.get("Version").asText())
              .orElseThrow();
      assertThat(d.get("Sum").asText()).as("zip h1 of " + d.get("Path")).isEqualTo(rec.getZipH1());
      assertThat(d.get("GoModSum").asText())
          .as("go.mod h1 of " + d.get("Path"))
          .isEqualTo(rec.getModH1());
    }

    GoTool.Result tidy = go.run(app, "mod", "tidy");
    assertThat(tidy.ok()).as(tidy.stderr()).isTrue();
    GoTool.Result build = go.run(app, "build", "-o", "app", ".");
    assertThat(build.ok()).as(build.stderr()).isTrue();
    Process p = new ProcessBuilder(app.resolve("app").toString()).start();
    assertThat(new String(p.getInputStream().readAllBytes()).trim()).isEqualTo("hello, berth");

    var again = Http.putFile(base + ModulePath.escape(GREETER) + "/@v/v1.2.0.zip", greeter);
    assertThat(again.statusCode()).as("identical re-publish is idempotent").isEqualTo(200);
    Path different =
        GoModules.zip(
            tmp.resolve("zips2"),
            GREETER,
            "v1.2.0",
            Map.of("go.mod", "module " + GREETER + "\n", "x.go", "package greeter\n"));
    var conflict = Http.putFile(base + ModulePath.escape(GREETER) + "/@v/v1.2.0.zip", different);
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(conflict.body()).contains("immutable");
  }
}
