package io.berth.node.gomod.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ModulePath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleZipBuilderTest {

  private static final ModulePath M = ModulePath.of("example.com/m");
  private static final String P = "example.com/m@v1.0.0/";

  @TempDir Path tmp;

  private Path dir() throws IOException {
    Path d = Files.createTempDirectory(tmp, "mod");
    write(d, "go.mod", "module example.com/m\n");
    write(d, "m.go", "package m\n");
    return d;
  }

  @Test
  void productionLimitsAreTheGoCommandsLimits() {
    assertThat(ModuleZipRules.MAX_ZIP_FILE).isEqualTo(500L * 1024 * 1024);
    assertThat(ModuleZipRules.MAX_GO_MOD).isEqualTo(16L * 1024 * 1024);
    assertThat(ModuleZipRules.MAX_LICENSE).isEqualTo(16L * 1024 * 1024);
    ModuleZipBuilder b = new ModuleZipBuilder();
    assertThat(b.maxTotalBytes()).isEqualTo(524_288_000L);
    assertThat(b.maxGoModBytes()).isEqualTo(16_777_216L);
    assertThat(b.maxLicenseBytes()).isEqualTo(16_777_216L);
  }

  @Test
  void namesEntriesWithUnescapedModuleAtVersionPrefix() throws Exception {
    ModulePath upper = ModulePath.of("corp.example.com/Team/Lib");
    Path d = dir();
    List<String> names = names(build(new ModuleZipBuilder(), d, upper, "v1.0.0-RC.1"));
    assertThat(names)
        .containsExactly(
            "corp.example.com/Team/Lib@v1.0.0-RC.1/go.mod",
            "corp.example.com/Team/Lib@v1.0.0-RC.1/m.go");
  }

  @Test
  void skipsSymlinks() throws Exception {
    Path d = dir();
    Files.createSymbolicLink(d.resolve("link.go"), d.resolve("m.go"));
    Path target = Files.createDirectories(tmp.resolve("elsewhere"));
    write(target, "secret.txt", "secret\n");
    Files.createSymbolicLink(d.resolve("linkdir"), target);
    assertThat(names(build(d))).containsExactly(P + "go.mod", P + "m.go");
  }

  @Test
  void skipsIrregularFiles() throws Exception {
    Path d = dir();
    Process p = new ProcessBuilder("mkfifo", d.resolve("pipe").toString()).start();
    assertThat(p.waitFor()).as("mkfifo is needed to create an irregular file").isZero();
    assertThat(names(build(d))).containsExactly(P + "go.mod", P + "m.go");
  }

  @Test
  void skipsVcsDirectories() throws Exception {
    Path d = dir();
    for (String vcs : List.of(".git", ".hg", ".svn", ".bzr")) {
      write(d, vcs + "/config", "x\n");
      write(d, "sub/" + vcs + "/config", "x\n");
    }
    write(d, "sub/s.go", "package sub\n");
    write(d, ".github/workflow.yml", "on: push\n"); // not a VCS dir: kept
    assertThat(names(build(d)))
        .containsExactly(P + ".github/workflow.yml", P + "go.mod", P + "m.go", P + "sub/s.go");
  }

  @Test
  void skipsVendoredPackagesButKeepsTopLevelVendorFiles() throws Exception {
    Path d = dir();
    write(d, "vendor/modules.txt", "# golang.org/x/y v1.0.0\n");
    write(d, "vendor/golang.org/x/y/y.go", "package y\n");
    write(d, "sub/vendor/z.go", "package vendor\n"); // below a nested vendor dir: dropped
    write(d, "sub/s.go", "package sub\n");
    write(d, "vendorish/v.go", "package vendorish\n");
    assertThat(names(build(d)))
        .containsExactly(
            P + "go.mod",
            P + "m.go",
            P + "sub/s.go",
            P + "vendor/modules.txt",
            P + "vendorish/v.go");
  }

  @Test
  void skipsNestedModules() throws Exception {
    Path d = dir();
    write(d, "tools/go.mod", "module example.com/m/tools\n");
    write(d, "tools/t.go", "package tools\n");
    write(d, "tools/deep/d.go", "package deep\n");
    write(d, "other/GO.MOD", "module example.com/m/other\n"); // any case marks a nested module
    write(d, "other/o.go", "package other\n");
    write(d, "lib/l.go", "package lib\n");
    assertThat(names(build(d))).containsExactly(P + "go.mod", P + "lib/l.go", P + "m.go");
  }

  @Test
  void skipsRootHgArchivalTxt() throws Exception {
    Path d = dir();
    write(d, ".hg_archival.txt", "repo: x\n");
    assertThat(names(build(d))).containsExactly(P + "go.mod", P + "m.go");
  }

  @Test
  void rejectsCaseFoldCollisions() throws Exception {
    Path d = dir();
    write(d, "README", "a\n");
    write(d, "readme", "b\n");
    assertThatThrownBy(() -> build(d))
        .isInstanceOfSatisfying(
            ModuleZipException.class,
            e ->
                assertThat(e.problems())
                    .singleElement()
                    .satisfies(
                        p -> {
                          assertThat(p.path()).isEqualTo("readme");
                          assertThat(p.reason()).contains("case-insensitive file name collision");
                        }));
  }

  @Test
  void rejectsDirectoryCaseFoldCollisions() throws Exception {
    Path d = dir();
    write(d, "Pkg/a.go", "package pkg\n");
    write(d, "pkg/b.go", "package pkg\n");
    assertThatThrownBy(() -> build(d))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("case-insensitive file name collision");
  }

  @Test
  void rejectsBadFileNames() throws Exception {
    for (String bad :
        List.of("a?.go", "con.txt", "sub/LPT1", "x:y", "trail.", "q\"uote", "t\tab")) {
      Path d = dir();
      write(d, bad, "x\n");
      assertThatThrownBy(() -> build(d))
          .as(bad)
          .isInstanceOfSatisfying(
              ModuleZipException.class,
              e -> {
                assertThat(e.problems()).singleElement().extracting(p -> p.path()).isEqualTo(bad);
                assertThat(e.getMessage()).startsWith("cannot create module zip: ");
                assertThat(e.getMessage()).doesNotContain("\t", "\n");
              });
    }
  }

  @Test
  void acceptsTheWholeAllowedCharacterSet() throws Exception {
    Path d = dir();
    String name = "a !#$%&()+,-.=@[]^_{}~\u00e9\u4e2d.txt";
    write(d, name, "x\n");
    write(d, ".dotfile", "x\n");
    write(d, "-dash", "x\n");
    assertThat(names(build(d))).contains(P + name, P + ".dotfile", P + "-dash");
  }

  @Test
  void rejectsGoModWithWrongCaseAtRoot() throws Exception {
    Path d = Files.createTempDirectory(tmp, "mod");
    write(d, "GO.MOD", "module example.com/m\n");
    assertThatThrownBy(() -> build(d))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("go.mod files must have lowercase names");
  }

  @Test
  void rejectsOversizeGoMod() throws Exception {
    Path d = dir();
    write(d, "go.mod", "module example.com/m\n\ngo 1.19\n"); // 30 bytes
    ModuleZipBuilder small = new ModuleZipBuilder(1 << 20, 16, 1 << 20);
    assertThatThrownBy(() -> build(small, d, M, "v1.0.0"))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("go.mod: go.mod file too large (max size is 16 bytes)");
  }

  @Test
  void rejectsOversizeRootLicenseOnly() throws Exception {
    Path d = dir();
    write(d, "sub/LICENSE", "a long license text\n"); // not the root LICENSE: fine
    ModuleZipBuilder small = new ModuleZipBuilder(1 << 20, 1 << 20, 10);
    assertThat(names(build(small, d, M, "v1.0.0"))).contains(P + "sub/LICENSE");
    write(d, "LICENSE", "a long license text\n");
    assertThatThrownBy(() -> build(small, d, M, "v1.0.0"))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("LICENSE file too large");
  }

  @Test
  void rejectsTooLargeTree() throws Exception {
    Path d = dir();
    write(d, "big.txt", "x".repeat(100));
    ModuleZipBuilder small = new ModuleZipBuilder(100, 1 << 20, 1 << 20);
    assertThatThrownBy(() -> build(small, d, M, "v1.0.0"))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("module source tree too large (max size is 100 bytes)");
  }

  @Test
  void rejectsNonCanonicalOrMismatchedVersions() throws Exception {
    Path d = dir();
    assertThatThrownBy(() -> build(new ModuleZipBuilder(), d, M, "v1.0"))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("not a canonical");
    assertThatThrownBy(() -> build(new ModuleZipBuilder(), d, M, "v2.0.0"))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("major version");
    assertThatThrownBy(
            () -> build(new ModuleZipBuilder(), d, ModulePath.of("example.com/m/v2"), "v1.0.0"))
        .isInstanceOf(ModuleZipException.class);
  }

  @Test
  void outputIsDeterministicAndValid() throws Exception {
    Path d = dir();
    write(d, "a-b/c.go", "package c\n");
    write(d, "a/b.go", "package a\n");
    byte[] first = build(d);
    Files.setLastModifiedTime(d.resolve("m.go"), java.nio.file.attribute.FileTime.fromMillis(0));
    byte[] second = build(d);
    assertThat(second).isEqualTo(first);
    // the order is that of a lexical directory walk, like filepath.Walk
    assertThat(names(first))
        .containsExactly(P + "a/b.go", P + "a-b/c.go", P + "go.mod", P + "m.go");
    Path zip = tmp.resolve("out.zip");
    Files.write(zip, first);
    ZipCheck check = new ModuleZipValidator().check(zip, M, "v1.0.0", ModuleZipRules.MAX_ZIP_FILE);
    assertThat(check.h1()).isEqualTo(DirHash.hashZip(zip));
    assertThat(check.goMod()).isEqualTo(Files.readAllBytes(d.resolve("go.mod")));
  }

  private byte[] build(Path d) {
    return build(new ModuleZipBuilder(), d, M, "v1.0.0");
  }

  private static byte[] build(ModuleZipBuilder b, Path d, ModulePath path, String version) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    b.createFromDir(d, path, version, out);
    return out.toByteArray();
  }

  private List<String> names(byte[] zip) throws IOException {
    Path f = Files.createTempFile(tmp, "z", ".zip");
    Files.write(f, zip);
    List<String> names = new ArrayList<>();
    try (ZipFile z = new ZipFile(f.toFile())) {
      z.stream().map(ZipEntry::getName).forEach(names::add);
    }
    return names;
  }

  static void write(Path dir, String rel, String content) throws IOException {
    Path f = dir.resolve(rel);
    Files.createDirectories(f.getParent());
    Files.writeString(f, content);
  }
}
