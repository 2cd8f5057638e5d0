package io.berth.node.gomod.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ModulePath;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModuleZipValidatorTest {

  private static final ModulePath M = ModulePath.of("example.com/m");
  private static final String V = "v1.0.0";
  private static final String P = "example.com/m@v1.0.0/";
  private static final long MAX = ModuleZipRules.MAX_ZIP_FILE;

  @TempDir Path tmp;
  private final ModuleZipValidator validator = new ModuleZipValidator();

  @Test
  void productionUsesThe500MiBAnd16MiBLimits() {
    assertThat(validator.maxUncompressedBytes()).isEqualTo(500L << 20).isEqualTo(524_288_000L);
    assertThat(validator.maxGoModBytes()).isEqualTo(16L << 20);
    assertThat(validator.maxLicenseBytes()).isEqualTo(16L << 20);
  }

  @Test
  void zipFileSizeIsCappedAt500MiBWhateverTheCallerAsks() throws Exception {
    Path big = tmp.resolve("sparse.zip");
    try (RandomAccessFile f = new RandomAccessFile(big.toFile(), "rw")) {
      f.setLength((500L << 20) + 1); // sparse: takes no disk space
    }
    expectProblem(
        () -> validator.check(big, M, V, Long.MAX_VALUE),
        "",
        "module zip file is too large (524288001 bytes; limit is 524288000 bytes)");
  }

  @Test
  void zipFileLargerThanCallerLimitIsRejected() throws Exception {
    Path zip = write(validZip());
    long size = Files.size(zip);
    assertThat(validator.check(zip, M, V, size).zipSize()).isEqualTo(size);
    expectProblem(() -> validator.check(zip, M, V, size - 1), "", "module zip file is too large");
  }

  @Test
  void validZipGivesHashesAndGoMod() throws Exception {
    Path zip = write(validZip());
    ZipCheck c = validator.check(zip, M, V, MAX);
    assertThat(c.h1()).isEqualTo(DirHash.hashZip(zip)).startsWith("h1:");
    assertThat(new String(c.goMod(), StandardCharsets.UTF_8)).isEqualTo("module example.com/m\n");
    assertThat(c.goModH1()).isEqualTo(DirHash.hashGoMod(c.goMod()));
    assertThat(c.zipSize()).isEqualTo(Files.size(zip));
  }

  @Test
  void zipWithoutGoModGetsSyntheticGoModHash() throws Exception {
    RawZip z = new RawZip();
    z.add(P + "m.go", "package m\n");
    ZipCheck c = validator.check(write(z.bytes()), M, V, MAX);
    assertThat(c.goMod()).isNull();
    assertThat(c.hasGoMod()).isFalse();
    assertThat(c.goModH1()).isEqualTo(DirHash.hashGoMod("module example.com/m\n".getBytes()));
  }

  @Test
  void directoryEntriesAreAllowedAndHashed() throws Exception {
    RawZip z = new RawZip();
    z.add(P, "");
    z.add(P + "sub/", "");
    z.add(P + "sub/s.go", "package sub\n");
    Path zip = write(z.bytes());
    assertThat(validator.check(zip, M, V, MAX).h1()).isEqualTo(DirHash.hashZip(zip));
  }

  @Test
  void rejectsWrongPrefix() throws Exception {
    for (String bad :
        new String[] {
          "example.com/other@v1.0.0/a.go",
          "example.com/m@v1.0.1/a.go",
          "Example.com/m@v1.0.0/a.go",
          "example.com/!m@v1.0.0/a.go",
          "example.com/m@v1.0.0",
          "a.go"
        }) {
      RawZip z = new RawZip();
      z.add(P + "go.mod", "module example.com/m\n");
      z.add(bad, "x");
      expectProblem(() -> check(z), bad, "path does not have prefix \"example.com/m@v1.0.0/\"");
    }
  }

  @Test
  void rejectsZipSlipNames() throws Exception {
    expectProblem(() -> check(single(P + "../../etc/passwd")), P + "../../etc/passwd", "not clean");
    expectProblem(() -> check(single(P + "a/../../x")), P + "a/../../x", "not clean");
    expectProblem(() -> check(single(P + "./a.go")), P + "./a.go", "not clean");
    expectProblem(() -> check(single("../" + P + "a.go")), "../" + P + "a.go", "prefix");
  }

  @Test
  void rejectsAbsoluteNames() throws Exception {
    expectProblem(() -> check(single("/etc/passwd")), "/etc/passwd", "prefix");
    expectProblem(() -> check(single(P + "/etc/passwd")), P + "/etc/passwd", "not relative");
    expectProblem(() -> check(single(P + "C:/x")), P + "C:/x", "invalid char ':'");
    expectProblem(() -> check(single(P + "a\\..\\..\\x")), P + "a\\..\\..\\x", "invalid char");
  }

  @Test
  void rejectsInvalidFileNames() throws Exception {
    expectProblem(() -> check(single(P + "con.txt")), P + "con.txt", "disallowed");
    expectProblem(() -> check(single(P + "a?.go")), P + "a?.go", "invalid char '?'");
    expectProblem(() -> check(single(P + "a\u0000b")), P + "a\u0000b", "invalid char '\\x00'");
    expectProblem(() -> check(single(P + "a//b")), P + "a//b", "not clean");
  }

  @Test
  void rejectsNamesThatAreNotUtf8() throws Exception {
    RawZip z = new RawZip();
    byte[] name = (P + "x").getBytes(StandardCharsets.UTF_8);
    name[name.length - 1] = (byte) 0xff;
    z.add(name, "x".getBytes());
    expectProblem(() -> check(z), null, "not valid UTF-8");
  }

  @Test
  void rejectsDuplicates() throws Exception {
    RawZip z = new RawZip();
    z.add(P + "a.go", "package a\n");
    z.add(P + "a.go", "package evil\n");
    expectProblem(() -> check(z), P + "a.go", "multiple entries for file \"a.go\"");
  }

  @Test
  void rejectsCaseFoldCollisions() throws Exception {
    RawZip z = new RawZip();
    z.add(P + "dir/a.go", "package a\n");
    z.add(P + "DIR/b.go", "package b\n");
    expectProblem(() -> check(z), P + "DIR/b.go", "case-insensitive file name collision");
    RawZip k = new RawZip();
    k.add(P + "k.go", "package a\n");
    k.add(P + "\u212a.go", "package b\n"); // KELVIN SIGN folds to k
    expectProblem(() -> check(k), P + "\u212a.go", "case-insensitive file name collision");
  }

  @Test
  void rejectsFileAndDirectoryWithSameName() throws Exception {
    RawZip z = new RawZip();
    z.add(P + "a", "x");
    z.add(P + "a/b.go", "package b\n");
    expectProblem(() -> check(z), P + "a/b.go", "is both a file and a directory");
  }

  @Test
  void rejectsNestedGoModAndWrongCase() throws Exception {
    expectProblem(
        () -> check(single(P + "sub/go.mod")), P + "sub/go.mod", "go.mod file not in module root");
    expectProblem(
        () -> check(single(P + "sub/Go.Mod")), P + "sub/Go.Mod", "go.mod file not in module root");
    RawZip upper = new RawZip();
    upper.add(P + "GO.MOD", "module example.com/m\n");
    expectProblem(() -> check(upper), P + "GO.MOD", "must have lowercase names");
  }

  @Test
  void rejectsLyingSizeInCentralDirectory() throws Exception {
    // both headers tell the same lie: only counting the streamed bytes finds it
    RawZip smaller = new RawZip();
    RawZip.Entry s = smaller.add(P + "a.go", "package a\n");
    s.centralSize = 3L;
    s.localSize = 3L;
    expectProblem(() -> check(smaller), P + "a.go", "larger than declared size (3 bytes)");
    RawZip larger = new RawZip();
    RawZip.Entry l = larger.add(P + "a.go", "package a\n");
    l.centralSize = 1000L;
    l.localSize = 1000L;
    expectProblem(() -> check(larger), P + "a.go", "does not match declared size (1000 bytes)");
    // only the central directory lies: it disagrees with the local header
    RawZip central = new RawZip();
    central.add(P + "a.go", "package a\n").centralSize = 3L;
    expectProblem(() -> check(central), P + "a.go", "local header size or CRC-32 differs");
  }

  @Test
  void rejectsLyingSizeInLocalHeader() throws Exception {
    RawZip z = new RawZip();
    z.add(P + "a.go", "package a\n").localSize = 3L;
    expectProblem(() -> check(z), P + "a.go", "local header size or CRC-32 differs");
  }

  @Test
  void rejectsLocalHeaderWithAnotherName() throws Exception {
    RawZip z = new RawZip();
    z.add(P + "a.go", "package a\n").localName = "../../evil.sh".getBytes();
    expectProblem(() -> check(z), P + "a.go", "local header name differs");
  }

  @Test
  void rejectsBadCrcEncryptionAndUnknownMethods() throws Exception {
    RawZip crc = new RawZip();
    crc.add(P + "a.go", "package a\n").crc = 42L;
    expectProblem(() -> check(crc), P + "a.go", "CRC-32 checksum mismatch");
    RawZip enc = new RawZip();
    enc.add(P + "a.go", "package a\n").flags = 1;
    expectProblem(() -> check(enc), P + "a.go", "encrypted");
    RawZip m = new RawZip();
    m.add(P + "a.go", "package a\n").method = 12;
    expectProblem(() -> check(m), P + "a.go", "unsupported compression method 12");
  }

  @Test
  void rejectsZipBombByDeclaredSizes() throws Exception {
    ModuleZipValidator small = new ModuleZipValidator(1 << 20, 1 << 20, 1 << 20);
    Path zip = tmp.resolve("bomb.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      for (int i = 0; i < 3; i++) {
        z.putNextEntry(new ZipEntry(P + "zeros" + i));
        z.write(new byte[512 * 1024]);
        z.closeEntry();
      }
    }
    assertThat(Files.size(zip)).isLessThan(10_000);
    expectProblem(
        () -> small.check(zip, M, V, MAX),
        "",
        "total uncompressed size of module contents too large (max size is 1048576 bytes)");
  }

  @Test
  void rejectsZipBombThatLiesAboutItsSize() throws Exception {
    Path zip = tmp.resolve("liar.zip");
    try (OutputStream os = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(os)) {
      z.putNextEntry(new ZipEntry(P + "zeros"));
      byte[] chunk = new byte[1 << 20];
      for (int i = 0; i < 64; i++) {
        z.write(chunk); // 64 MiB of zeros: about 64 KiB compressed
      }
      z.closeEntry();
    }
    patchCentralSize(zip, 1000);
    ModuleZipValidator small = new ModuleZipValidator(1 << 20, 1 << 20, 1 << 20);
    long start = System.nanoTime();
    expectProblem(
        () -> small.check(zip, M, V, MAX), P + "zeros", "larger than declared size (1000 bytes)");
    // it stopped right after the declared size instead of inflating 64 MiB
    assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(2_000);
  }

  @Test
  void rejectsOversizeGoModAndRootLicense() throws Exception {
    ModuleZipValidator small = new ModuleZipValidator(1 << 20, 8, 8);
    RawZip g = new RawZip();
    g.add(P + "go.mod", "module example.com/m\n");
    expectProblem(
        () -> small.check(write(g.bytes()), M, V, MAX),
        P + "go.mod",
        "go.mod file too large (max size is 8 bytes)");
    RawZip l = new RawZip();
    l.add(P + "sub/LICENSE", "long license text");
    l.add(P + "LICENSE", "long license text");
    expectProblem(
        () -> small.check(write(l.bytes()), M, V, MAX),
        P + "LICENSE",
        "LICENSE file too large (max size is 8 bytes)");
  }

  @Test
  void rejectsDirectoryEntriesWithContent() throws Exception {
    expectProblem(() -> check(singleWith(P + "d/", "data")), P + "d/", "directory entry");
  }

  @Test
  void rejectsGarbageAndTruncatedZips() throws Exception {
    expectProblem(
        () -> validator.check(write("not a zip, just some text".getBytes()), M, V, MAX),
        "",
        "no end of central directory");
    byte[] valid = validZip();
    byte[] cut = java.util.Arrays.copyOf(valid, valid.length - 30);
    assertThatThrownBy(() -> validator.check(write(cut), M, V, MAX))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageStartingWith("not a valid zip file");
  }

  @Test
  void rejectsBadVersions() throws Exception {
    Path zip = write(validZip());
    assertThatThrownBy(() -> validator.check(zip, M, "v1.0", MAX))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("not a canonical");
    assertThatThrownBy(() -> validator.check(zip, M, "v2.0.0", MAX))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("major version");
  }

  @Test
  void reportsManyProblemsInOneShortMessage() throws Exception {
    RawZip z = new RawZip();
    for (int i = 0; i < 200; i++) {
      z.add("bad/" + i, "x");
    }
    assertThatThrownBy(() -> check(z))
        .isInstanceOfSatisfying(
            ModuleZipException.class,
            e -> {
              assertThat(e.problems()).hasSizeBetween(2, 50);
              assertThat(e.getMessage()).doesNotContain("\n").hasSizeLessThan(648);
              assertThat(e.getMessage()).contains("more)");
            });
  }

  // ---- helpers

  private ZipCheck check(RawZip z) throws IOException {
    return validator.check(write(z.bytes()), M, V, MAX);
  }

  private static RawZip single(String name) {
    return singleWith(name, "x");
  }

  private static RawZip singleWith(String name, String data) {
    RawZip z = new RawZip();
    z.add(P + "go.mod", "module example.com/m\n");
    z.add(name, data);
    return z;
  }

  private static byte[] validZip() {
    RawZip z = new RawZip();
    z.add(P + "go.mod", "module example.com/m\n");
    z.add(P + "m.go", "package m\n");
    z.add(P + "sub/s.go", "package sub\n");
    z.add(P + "LICENSE", "MIT\n");
    return z.bytes();
  }

  private Path write(byte[] bytes) throws IOException {
    Path f = Files.createTempFile(tmp, "t", ".zip");
    Files.write(f, bytes);
    return f;
  }

  private static void expectProblem(ThrowingCallable call, String path, String reasonPart) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ModuleZipException.class,
            e -> {
              assertThat(e.problems())
                  .as("problems of %s", e.getMessage())
                  .anySatisfy(
                      p -> {
                        if (path != null) {
                          assertThat(p.path()).isEqualTo(path);
                        }
                        assertThat(p.reason()).contains(reasonPart);
                      });
              assertThat(e.getMessage()).doesNotContain("\n", "\u0000");
            });
  }

  /** Rewrites the uncompressed size of the first central-directory record. */
  private static void patchCentralSize(Path zip, int size) throws IOException {
    byte[] b = Files.readAllBytes(zip);
    ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = b.length - 22; i >= 0; i--) {
      if (bb.getInt(i) == 0x02014b50) {
        bb.putInt(i + 24, size);
        Files.write(zip, b);
        return;
      }
    }
    throw new IllegalStateException("no central directory record");
  }
}
