package io.berth.node.gomod.zip;

import io.berth.common.Digest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * The go command's {@code h1:} hash (golang.org/x/mod/sumdb/dirhash Hash1): for every file, sorted
 * by the UTF-8 bytes of its name, the line {@code hex(sha256(content)) + " " + name + "\n"}; the
 * hash is {@code "h1:" + base64(sha256(all lines))}.
 */
public final class DirHash {

  private DirHash() {}

  /** A file name with the SHA-256 of its content, collected while streaming. */
  public record FileSum(String name, byte[] sha256) {
    public FileSum {
      if (sha256.length != 32) {
        throw new IllegalArgumentException("sha256 must be 32 bytes");
      }
    }
  }

  /**
   * Hash1 over already-hashed files, in any order: sorts them by the UTF-8 bytes of their names.
   *
   * @throws IllegalArgumentException if a name contains a newline (dirhash refuses those)
   */
  public static String hash1(List<FileSum> files) {
    List<byte[]> names = new ArrayList<>(files.size());
    Integer[] order = new Integer[files.size()];
    for (int i = 0; i < files.size(); i++) {
      String name = files.get(i).name();
      if (name.indexOf('\n') >= 0) {
        throw new IllegalArgumentException("dirhash: filenames with newlines are not supported");
      }
      names.add(name.getBytes(StandardCharsets.UTF_8));
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> Arrays.compareUnsigned(names.get(a), names.get(b)));
    MessageDigest summary = Digest.Algorithm.SHA256.newMessageDigest();
    HexFormat hex = HexFormat.of();
    for (int i : order) {
      summary.update(hex.formatHex(files.get(i).sha256()).getBytes(StandardCharsets.US_ASCII));
      summary.update((byte) ' ');
      summary.update((byte) ' ');
      summary.update(names.get(i));
      summary.update((byte) '\n');
    }
    return "h1:" + Base64.getEncoder().encodeToString(summary.digest());
  }

  /**
   * The h1 hash of a zip file exactly as the go command's dirhash.HashZip computes it: every entry
   * (directories included), named with its full entry name including the {@code module@version/}
   * prefix. Entry contents are streamed, never held in memory. This does not check the module zip
   * rules; use {@link ModuleZipValidator} for untrusted zips.
   *
   * @throws UncheckedIOException if the file cannot be read
   * @throws ModuleZipException if it is not a readable zip
   */
  public static String hashZip(Path zipFile) {
    try (ZipReader zip = ZipReader.open(zipFile, Long.MAX_VALUE)) {
      List<FileSum> sums = new ArrayList<>();
      ZipReader.Entry e;
      while ((e = zip.next()) != null) {
        if (e.name() == null) {
          throw new ModuleZipException("invalid module zip", "file name is not valid UTF-8");
        }
        MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
        zip.stream(e, (buf, off, len) -> md.update(buf, off, len));
        sums.add(new FileSum(e.name(), md.digest()));
      }
      return hash1(sums);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The go.mod hash: Hash1 over a single file named {@code go.mod}. */
  public static String hashGoMod(byte[] goMod) {
    try {
      return hashGoMod(new ByteArrayInputStream(goMod));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The go.mod hash of a streamed go.mod (the stream is read to its end but not closed). */
  public static String hashGoMod(InputStream goMod) throws IOException {
    MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
    byte[] buf = new byte[8192];
    int n;
    while ((n = goMod.read(buf)) > 0) {
      md.update(buf, 0, n);
    }
    return hash1(List.of(new FileSum("go.mod", md.digest())));
  }

  /**
   * The go.mod hash of a module without a go.mod: that of the synthetic {@code module <path>\n}.
   */
  public static String hashSyntheticGoMod(String modulePath) {
    return hashGoMod(syntheticGoMod(modulePath));
  }

  /** The go.mod the go command assumes for a module without one: {@code module <path>\n}. */
  public static byte[] syntheticGoMod(String modulePath) {
    return ("module " + modulePath + "\n").getBytes(StandardCharsets.UTF_8);
  }
}
