package io.berth.node.gomod.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.ModulePath;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Proves that our {@code h1:} hashes and our zips agree with the real go command: zips built by
 * {@link ModuleZipBuilder} are served from a static GOPROXY file tree and fetched with {@code go
 * mod download -json}, whose {@code Sum} and {@code GoModSum} must equal what we computed.
 */
class DirHashGoCommandIT {

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static Path proxy;
  static String goBinary;

  @BeforeAll
  static void findGo() throws Exception {
    goBinary = findOnPath("go");
    if (goBinary == null) {
      fail(
          "the 'go' command is not installed: install it (apt-get install golang-go) to run"
              + " DirHashGoCommandIT; the CI script installs it");
    }
    proxy = Files.createDirectories(tmp.resolve("proxy"));
  }

  @Test
  void uppercaseModulePathHashesMatchGoCommand() throws Exception {
    ModulePath path = ModulePath.of("corp.example.com/Team/lib");
    Path dir = Files.createDirectories(tmp.resolve("src-upper"));
    write(dir, "go.mod", "module corp.example.com/Team/lib\n\ngo 1.19\n");
    write(dir, "lib.go", "package lib\n\nfunc Hello() string { return \"hi\" }\n");
    write(dir, "README.md", "Readme with UTF-8: \u00e9\u00e8\n");
    write(dir, "LICENSE", "license text\n");

    Published p = publish(dir, path, "v1.2.3");
    JsonNode result = goModDownload(path.value() + "@v1.2.3");

    assertThat(result.path("Error").asText("")).isEmpty();
    assertThat(result.path("Sum").asText()).isEqualTo(p.check.h1());
    assertThat(result.path("GoModSum").asText()).isEqualTo(p.check.goModH1());
    assertThat(DirHash.hashZip(p.zip)).isEqualTo(p.check.h1());
    assertThat(p.check.goModH1())
        .isEqualTo(DirHash.hashGoMod(Files.readAllBytes(dir.resolve("go.mod"))));
    // the escaped proxy path was used, and the zip's entry names are not case-encoded
    assertThat(proxy.resolve("corp.example.com/!team/lib/@v/v1.2.3.zip")).exists();
    assertThat(entryNames(p.zip)).contains("corp.example.com/Team/lib@v1.2.3/lib.go");
  }

  @Test
  void nestedPackageAndExcludedFilesHashesMatchGoCommand() throws Exception {
    ModulePath path = ModulePath.of("example.com/nested");
    Path dir = Files.createDirectories(tmp.resolve("src-nested"));
    write(dir, "go.mod", "module example.com/nested\n\ngo 1.19\n");
    write(dir, "a.go", "package nested\n");
    write(dir, "internal/pkg/b.go", "package pkg\n");
    write(dir, "a-b/c.go", "package ab\n"); // sorts before "a.go"/"a/" differently by bytes
    write(dir, "vendor/modules.txt", "# vendored\n");
    write(dir, "vendor/golang.org/x/y/y.go", "package y\n"); // excluded: vendored package
    write(dir, ".git/config", "[core]\n"); // excluded: VCS directory
    write(dir, "tools/go.mod", "module example.com/nested/tools\n"); // excluded: nested module
    write(dir, "tools/main.go", "package main\n");
    Files.createSymbolicLink(dir.resolve("link.go"), dir.resolve("a.go")); // excluded: symlink

    Published p = publish(dir, path, "v0.3.0");
    JsonNode result = goModDownload(path.value() + "@v0.3.0");

    assertThat(result.path("Error").asText("")).isEmpty();
    assertThat(result.path("Sum").asText()).isEqualTo(p.check.h1());
    assertThat(result.path("GoModSum").asText()).isEqualTo(p.check.goModH1());
    String prefix = "example.com/nested@v0.3.0/";
    assertThat(new TreeSet<>(entryNames(p.zip)))
        .containsExactly(
            prefix + "a-b/c.go",
            prefix + "a.go",
            prefix + "go.mod",
            prefix + "internal/pkg/b.go",
            prefix + "vendor/modules.txt");
    // the go command extracted exactly those files
    Path extracted = Path.of(result.path("Dir").asText());
    assertThat(extracted.resolve("internal/pkg/b.go")).exists();
    assertThat(extracted.resolve("tools")).doesNotExist();
    assertThat(extracted.resolve(".git")).doesNotExist();
    assertThat(extracted.resolve("link.go")).doesNotExist();
  }

  @Test
  void moduleWithoutGoModGetsSyntheticGoModSum() throws Exception {
    ModulePath path = ModulePath.of("example.com/legacy");
    Path dir = Files.createDirectories(tmp.resolve("src-legacy"));
    write(dir, "legacy.go", "package legacy\n");

    Published p = publish(dir, path, "v1.0.0");
    assertThat(p.check.goMod()).isNull();
    JsonNode result = goModDownload(path.value() + "@v1.0.0");

    assertThat(result.path("Error").asText("")).isEmpty();
    assertThat(result.path("Sum").asText()).isEqualTo(p.check.h1());
    assertThat(result.path("GoModSum").asText())
        .isEqualTo(p.check.goModH1())
        .isEqualTo(
            DirHash.hashGoMod("module example.com/legacy\n".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void zipWrittenByGosArchiveZipValidatesAndHashesLikeGo() throws Exception {
    // Go's zip writer uses data descriptors; a proxy-fetched zip looks like this.
    ModulePath path = ModulePath.of("example.com/gowritten");
    String version = "v1.1.0";
    String prefix = path.value() + "@" + version + "/";
    Path program = tmp.resolve("zipwriter/main.go");
    write(
        tmp,
        "zipwriter/main.go",
        String.join(
            "\n",
            "package main",
            "",
            "import (\"archive/zip\"; \"os\")",
            "",
            "func main() {",
            "\tf, err := os.Create(os.Args[1])",
            "\tif err != nil { panic(err) }",
            "\tz := zip.NewWriter(f)",
            "\tfor i := 2; i+1 < len(os.Args); i += 2 {",
            "\t\tw, err := z.Create(os.Args[i])",
            "\t\tif err != nil { panic(err) }",
            "\t\tif _, err := w.Write([]byte(os.Args[i+1])); err != nil { panic(err) }",
            "\t}",
            "\tif err := z.Close(); err != nil { panic(err) }",
            "\tif err := f.Close(); err != nil { panic(err) }",
            "}",
            ""));
    Path v = Files.createDirectories(proxy.resolve(path.escaped()).resolve("@v"));
    Path zip = v.resolve(version + ".zip");
    String goMod = "module example.com/gowritten\n";
    run(
        List.of(
            goBinary,
            "run",
            program.toString(),
            zip.toString(),
            prefix + "go.mod",
            goMod,
            prefix + "x.go",
            "package gowritten\n" + "// padding\n".repeat(500),
            prefix + "sub/y.go",
            "package sub\n"),
        tmp.resolve("zipwriter"));

    ZipCheck check =
        new ModuleZipValidator().check(zip, path, version, ModuleZipRules.MAX_ZIP_FILE);
    Files.writeString(v.resolve(version + ".mod"), goMod);
    Files.writeString(v.resolve(version + ".info"), "{\"Version\":\"" + version + "\"}\n");
    Files.writeString(v.resolve("list"), version + "\n");
    JsonNode result = goModDownload(path.value() + "@" + version);

    assertThat(result.path("Sum").asText()).isEqualTo(check.h1()).isEqualTo(DirHash.hashZip(zip));
    assertThat(result.path("GoModSum").asText()).isEqualTo(check.goModH1());
  }

  private record Published(Path zip, ZipCheck check) {}

  /** Builds the zip and lays out {@code <escaped path>/@v/{list,<v>.info,<v>.mod,<v>.zip}}. */
  private static Published publish(Path dir, ModulePath path, String version) throws IOException {
    Path v = Files.createDirectories(proxy.resolve(path.escaped()).resolve("@v"));
    String escapedVersion = ModulePath.escape(version);
    Path zip = v.resolve(escapedVersion + ".zip");
    try (OutputStream out = Files.newOutputStream(zip)) {
      new ModuleZipBuilder().createFromDir(dir, path, version, out);
    }
    ZipCheck check =
        new ModuleZipValidator().check(zip, path, version, ModuleZipRules.MAX_ZIP_FILE);
    byte[] mod = check.goMod() != null ? check.goMod() : DirHash.syntheticGoMod(path.value());
    Files.write(v.resolve(escapedVersion + ".mod"), mod);
    Files.writeString(
        v.resolve(escapedVersion + ".info"),
        "{\"Version\":\"" + version + "\",\"Time\":\"2024-01-02T03:04:05Z\"}\n");
    Files.writeString(v.resolve("list"), version + "\n");
    return new Published(zip, check);
  }

  private static JsonNode goModDownload(String target) throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));
    String out = run(List.of(goBinary, "mod", "download", "-json", target), work);
    return JSON.readTree(out);
  }

  /** Runs a go command in a clean environment and returns its stdout; fails on non-zero exit. */
  private static String run(List<String> command, Path workDir) throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.directory(workDir.toFile());
    Map<String, String> env = pb.environment();
    for (String k :
        List.of(
            "GONOSUMDB", "GOPRIVATE", "GONOPROXY", "GOINSECURE", "GOFLAGS", "GOENV", "GOWORK")) {
      env.remove(k);
    }
    env.put("HOME", home.toString());
    env.put("GOPROXY", proxy.toUri().toString());
    env.put("GOSUMDB", "off");
    env.put("GOFLAGS", "-modcacherw");
    env.put("GO111MODULE", "on");
    env.put("GOPATH", tmp.resolve("gopath").toString());
    env.put("GOMODCACHE", tmp.resolve("gopath/pkg/mod").toString());
    env.put("GOCACHE", tmp.resolve("gocache").toString());
    env.put("GOTOOLCHAIN", "local");
    pb.redirectErrorStream(false);
    Path stderr = tmp.resolve("go-stderr.txt");
    pb.redirectError(stderr.toFile());
    Process proc = pb.start();
    byte[] stdout = proc.getInputStream().readAllBytes();
    if (!proc.waitFor(120, TimeUnit.SECONDS)) {
      proc.destroyForcibly();
      fail(command + " timed out");
    }
    String out = new String(stdout, StandardCharsets.UTF_8);
    assertThat(proc.exitValue())
        .as("%s failed:\n%s\n%s", command, out, Files.readString(stderr))
        .isZero();
    return out;
  }

  private static void write(Path dir, String rel, String content) throws IOException {
    Path f = dir.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
  }

  private static List<String> entryNames(Path zip) throws IOException {
    List<String> names = new ArrayList<>();
    try (ZipFile z = new ZipFile(zip.toFile())) {
      z.stream().map(ZipEntry::getName).forEach(names::add);
    }
    return names;
  }

  private static String findOnPath(String name) {
    String path = System.getenv("PATH");
    if (path == null) {
      return null;
    }
    for (String d : path.split(java.io.File.pathSeparator)) {
      Path p = Path.of(d, name);
      if (Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }
}
