package io.berth.node.gomod.zip;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Known h1 values were computed independently with coreutils, e.g. for the go.mod hash:
 *
 * <pre>
 * h=$(printf 'module example.com/x\n' | sha256sum | cut -d' ' -f1)
 * printf '%s  go.mod\n' $h | sha256sum | cut -d' ' -f1 | xxd -r -p | base64
 * </pre>
 */
class DirHashTest {

  @TempDir Path tmp;

  @Test
  void goModHashMatchesShellComputation() throws Exception {
    byte[] goMod = "module example.com/x\n".getBytes(StandardCharsets.UTF_8);
    String expected = "h1:cq1Wlc5Q/3TKMd9Nt+I/D/H5kAJrHbzSCzH20/f7O0w=";
    assertThat(DirHash.hashGoMod(goMod)).isEqualTo(expected);
    assertThat(DirHash.hashGoMod(new ByteArrayInputStream(goMod))).isEqualTo(expected);
    assertThat(DirHash.hashSyntheticGoMod("example.com/x")).isEqualTo(expected);
  }

  @Test
  void sortsByUtf8BytesNotJavaStringOrder() {
    // U+FF21 is EF BC A1 in UTF-8 and U+1F600 is F0 9F 98 80: UTF-8 order puts U+FF21 first,
    // while Java's UTF-16 String order puts the surrogate pair (D83D DE00) first.
    String fullwidthA = "m@v1.0.0/\uFF21";
    String emoji = "m@v1.0.0/\uD83D\uDE00";
    assertThat(fullwidthA.compareTo(emoji)).isPositive();
    // printf '%s  m@v1.0.0/\xef\xbc\xa1\n%s  m@v1.0.0/\xf0\x9f\x98\x80\n' $(sha one) $(sha two)
    String expected = "h1:6EY+Knrse8s7hyI70dFN84sr7JXdvpIputJG2oGFI5k=";
    List<DirHash.FileSum> files =
        List.of(
            new DirHash.FileSum(emoji, sha("two\n")),
            new DirHash.FileSum(fullwidthA, sha("one\n")));
    assertThat(DirHash.hash1(files)).isEqualTo(expected);
    assertThat(DirHash.hash1(List.of(files.get(1), files.get(0)))).isEqualTo(expected);
  }

  @Test
  void summaryTextIsHexTwoSpacesNameNewline() throws Exception {
    byte[] content = "hello\n".getBytes(StandardCharsets.UTF_8);
    String summary = hex(sha256(content)) + "  dir/f.txt\n";
    String expected =
        "h1:"
            + java.util.Base64.getEncoder()
                .encodeToString(sha256(summary.getBytes(StandardCharsets.UTF_8)));
    assertThat(DirHash.hash1(List.of(new DirHash.FileSum("dir/f.txt", sha256(content)))))
        .isEqualTo(expected);
  }

  @Test
  void hashZipUsesFullEntryNamesAndMatchesShellComputation() throws Exception {
    Path zip = tmp.resolve("m.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      put(z, "example.com/m@v1.0.0/go.mod", "module example.com/m\n");
      put(z, "example.com/m@v1.0.0/a.go", "package m\n");
      put(z, "example.com/m@v1.0.0/a-b/c.go", "package c\n");
    }
    // printf '%s  example.com/m@v1.0.0/a-b/c.go\n%s  .../a.go\n%s  .../go.mod\n' ... | sha256sum
    assertThat(DirHash.hashZip(zip)).isEqualTo("h1:hgEZiCZqPHK5wdjGIxrk3rJpbIK4ExJ0OkGBUsk3UxE=");
  }

  @Test
  void hashZipIncludesDirectoryEntriesLikeGo() throws Exception {
    Path zip = tmp.resolve("d.zip");
    try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(zip))) {
      put(z, "example.com/m@v1.0.0/", "");
      put(z, "example.com/m@v1.0.0/a.go", "package m\n");
    }
    String expected =
        DirHash.hash1(
            List.of(
                new DirHash.FileSum("example.com/m@v1.0.0/", sha("")),
                new DirHash.FileSum("example.com/m@v1.0.0/a.go", sha("package m\n"))));
    assertThat(DirHash.hashZip(zip)).isEqualTo(expected);
  }

  @Test
  void rejectsNewlinesInNames() {
    assertThatThrownBy(() -> DirHash.hash1(List.of(new DirHash.FileSum("a\nb", sha("")))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("newlines");
  }

  @Test
  void hashZipOfGarbageIsAModuleZipException() throws Exception {
    Path f = tmp.resolve("garbage.zip");
    Files.writeString(f, "this is not a zip file at all, but it is long enough to look");
    assertThatThrownBy(() -> DirHash.hashZip(f))
        .isInstanceOf(ModuleZipException.class)
        .hasMessageContaining("not a valid zip file");
  }

  static void put(ZipOutputStream z, String name, String content) throws Exception {
    z.putNextEntry(new ZipEntry(name));
    z.write(content.getBytes(StandardCharsets.UTF_8));
    z.closeEntry();
  }

  static byte[] sha(String s) {
    return sha256(s.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] b) {
    return java.util.HexFormat.of().formatHex(b);
  }
}
