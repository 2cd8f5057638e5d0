package io.berth.it.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.ModulePath;
import io.berth.node.gomod.zip.ModuleZipBuilder;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.JavaProcess;
import java.io.OutputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Publishing Go modules to a node and downloading them with the real go command. */
public final class GoPublishing {
  private static final ObjectMapper JSON = new ObjectMapper();

  private GoPublishing() {}

  public static String publishUrl(String node, String module, String version) {
    return node
        + "/_berth/api/go/publish/"
        + ModulePath.escape(module)
        + "/@v/"
        + ModulePath.escape(version)
        + ".zip";
  }

  /** Publishes a small module through the HTTP API; returns its h1. */
  public static String publish(Path work, String node, String module, String version)
      throws Exception {
    Path zip =
        GoModules.zip(
            work.resolve("zips"),
            module,
            version,
            Map.of(
                "go.mod",
                "module " + module + "\n\ngo 1.19\n",
                "lib.go",
                "package lib\n\n// Version " + version + " of " + module + "\nconst V = 1\n"));
    return publishZip(node, module, version, zip);
  }

  /** Publishes a zip file through the HTTP API (streamed); returns its h1. */
  public static String publishZip(String node, String module, String version, Path zip)
      throws Exception {
    HttpResponse<String> r = Http.putFile(publishUrl(node, module, version), zip);
    assertThat(r.statusCode()).as("publish %s@%s: %s", module, version, r.body()).isIn(200, 201);
    return JSON.readTree(r.body()).path("h1").asText();
  }

  /** Publishes with {@code berth go publish <dir> <module>@<version> --registry <node>}. */
  public static String publishWithCli(Path work, String node, String module, String version)
      throws Exception {
    Path dir = work.resolve("src-" + ModulePath.escape(module).replace('/', '_') + "-" + version);
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("go.mod"), "module " + module + "\n\ngo 1.19\n");
    Files.writeString(
        dir.resolve("lib.go"), "package lib\n\nconst Published = \"" + version + "\"\n");
    Path log = work.resolve("cli-" + System.nanoTime() + ".log");
    JavaProcess p =
        JavaProcess.start(
            "io.berth.node.Main",
            List.of("go", "publish", dir.toString(), module + "@" + version, "--registry", node),
            Map.of(),
            List.of(),
            log);
    int code = p.waitFor(120);
    assertThat(code).as("berth go publish:\n" + p.output()).isZero();
    String out = p.output();
    String json = out.substring(out.indexOf('{'), out.lastIndexOf('}') + 1);
    return JSON.readTree(json).path("h1").asText();
  }

  /**
   * Writes a module zip of about {@code bytes} (one incompressible file) with the module zip rules,
   * streamed to disk.
   */
  public static Path bigZip(Path work, String module, String version, long bytes) throws Exception {
    Path dir = work.resolve("big-" + System.nanoTime());
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("go.mod"), "module " + module + "\n\ngo 1.19\n");
    Random random = new Random(bytes);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(dir.resolve("data.bin"))) {
      for (long left = bytes; left > 0; left -= buf.length) {
        random.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
    Path zip = work.resolve("big-" + System.nanoTime() + ".zip");
    try (OutputStream out = Files.newOutputStream(zip)) {
      new ModuleZipBuilder().createFromDir(dir, ModulePath.of(module), version, out);
    }
    return zip;
  }

  /** {@code go mod download -json module@version} through {@code node} with a cold cache. */
  public static JsonNode download(Path work, String node, String module, String version)
      throws Exception {
    GoTool go =
        new GoTool(work.resolve("go-" + System.nanoTime()))
            .env("GOPROXY", node)
            .env("GOSUMDB", "off")
            .env("GOFLAGS", "-modcacherw");
    GoTool.Result r = go.run(work, "mod", "download", "-json", module + "@" + version);
    assertThat(r.ok())
        .as("go mod download %s@%s from %s: %s %s", module, version, node, r.stdout(), r.stderr())
        .isTrue();
    return JSON.readTree(r.stdout());
  }

  /** Whether {@code node} serves the version's .info. */
  public static boolean serves(String node, String module, String version) {
    try {
      return Http.get(
                  node
                      + "/"
                      + ModulePath.escape(module)
                      + "/@v/"
                      + ModulePath.escape(version)
                      + ".info")
              .statusCode()
          == 200;
    } catch (Exception e) {
      return false;
    }
  }

  /** Sum of a Prometheus counter's samples whose line starts with {@code prefix}. */
  public static double metric(String metricsText, String prefix) {
    double sum = 0;
    for (String line : metricsText.split("\n")) {
      if (line.startsWith(prefix)) {
        sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return sum;
  }
}
