package io.berth.node.gomod.zip;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.gomod.zip.ModuleZipException.Problem;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/**
 * Validates an uploaded or fetched module zip against the rules of golang.org/x/mod/zip without
 * extracting it, and computes its {@code h1:} hash in the same single streaming pass.
 *
 * <p>Checks: the version is canonical and matches the path's major version; the zip file is at most
 * {@code maxZipBytes} (and never more than 500 MiB); every entry name starts with {@code
 * <module>@<version>/} and the rest is a clean, valid module file path (which rules out {@code ../}
 * and absolute names); no duplicates, no names equal under case folding, no path that is both a
 * file and a directory; {@code go.mod} only at the root and named exactly so; declared sizes add up
 * to at most 500 MiB; root {@code go.mod} and {@code LICENSE} at most 16 MiB each; each entry
 * inflates to exactly its declared size (reading stops one buffer past it), has the right CRC-32,
 * and agrees with its local header. Thread-safe; instances hold only limits.
 */
public final class ModuleZipValidator {

  private static final int MAX_REPORTED_PROBLEMS = 50;

  private final long maxUncompressed;
  private final long maxGoMod;
  private final long maxLicense;

  /** A validator with the go command's limits ({@link ModuleZipRules}). */
  public ModuleZipValidator() {
    this(ModuleZipRules.MAX_ZIP_FILE, ModuleZipRules.MAX_GO_MOD, ModuleZipRules.MAX_LICENSE);
  }

  /** Lowered limits, for tests that must stay small. */
  ModuleZipValidator(long maxUncompressed, long maxGoMod, long maxLicense) {
    this.maxUncompressed = maxUncompressed;
    this.maxGoMod = maxGoMod;
    this.maxLicense = maxLicense;
  }

  long maxUncompressedBytes() {
    return maxUncompressed;
  }

  long maxGoModBytes() {
    return maxGoMod;
  }

  long maxLicenseBytes() {
    return maxLicense;
  }

  /**
   * Validates {@code zipFile} as the zip of {@code path@version}.
   *
   * @param maxZipBytes the largest zip file accepted (capped at 500 MiB)
   * @return the zip's hashes, size and go.mod
   * @throws ModuleZipException listing the offending entries if any rule is broken
   * @throws UncheckedIOException if the file cannot be read
   */
  public ZipCheck check(Path zipFile, ModulePath path, String version, long maxZipBytes) {
    ModuleZipRules.checkModuleVersion(path, version);
    String prefix = ModuleZipRules.prefix(path, version);
    long maxZip = Math.min(maxZipBytes, ModuleZipRules.MAX_ZIP_FILE);
    try (ZipReader zip = ZipReader.open(zipFile, maxZip)) {
      return check(zip, zipFile.toFile().length(), path, prefix);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private ZipCheck check(ZipReader zip, long zipSize, ModulePath path, String prefix)
      throws IOException {
    List<Problem> problems = new ArrayList<>();
    List<DirHash.FileSum> sums = new ArrayList<>();
    ModuleZipRules.CollisionChecker collisions = new ModuleZipRules.CollisionChecker();
    long total = 0;
    boolean sizeReported = false;
    byte[] goMod = null;
    ZipReader.Entry e;
    while ((e = zip.next()) != null) {
      String why = checkName(e, prefix, collisions);
      String name = e.name();
      if (why == null && !e.isDirectory()) {
        String rel = name.substring(prefix.length());
        if (e.size() > maxUncompressed - total) {
          if (!sizeReported) {
            problems.add(
                new Problem(
                    "",
                    "total uncompressed size of module contents too large (max size is "
                        + maxUncompressed
                        + " bytes)"));
            sizeReported = true;
          }
        } else {
          total += e.size();
        }
        if (rel.equals("go.mod") && e.size() > maxGoMod) {
          why = "go.mod file too large (max size is " + maxGoMod + " bytes)";
        } else if (rel.equals("LICENSE") && e.size() > maxLicense) {
          why = "LICENSE file too large (max size is " + maxLicense + " bytes)";
        }
      } else if (why == null && e.size() != 0) {
        why = "directory entry has content";
      }
      if (why != null) {
        problems.add(new Problem(e.displayName(), why));
        if (problems.size() >= MAX_REPORTED_PROBLEMS) {
          break;
        }
        continue;
      }
      if (!problems.isEmpty()) {
        continue; // already invalid: keep checking names, but do not inflate anything more
      }
      boolean isGoMod = name.length() == prefix.length() + 6 && name.endsWith("/go.mod");
      ByteArrayOutputStream goModBytes = isGoMod ? new ByteArrayOutputStream() : null;
      MessageDigest md = Digest.Algorithm.SHA256.newMessageDigest();
      zip.stream(
          e,
          (buf, off, len) -> {
            md.update(buf, off, len);
            if (goModBytes != null) {
              goModBytes.write(buf, off, len);
            }
          });
      sums.add(new DirHash.FileSum(name, md.digest()));
      if (goModBytes != null) {
        goMod = goModBytes.toByteArray();
      }
    }
    if (!problems.isEmpty()) {
      throw new ModuleZipException("invalid module zip", problems);
    }
    String goModH1 =
        goMod != null ? DirHash.hashGoMod(goMod) : DirHash.hashSyntheticGoMod(path.value());
    return new ZipCheck(DirHash.hash1(sums), zipSize, goMod, goModH1);
  }

  private static String checkName(
      ZipReader.Entry e, String prefix, ModuleZipRules.CollisionChecker collisions) {
    String full = e.name();
    if (full == null) {
      return "file name is not valid UTF-8";
    }
    if (!full.startsWith(prefix)) {
      return "path does not have prefix " + ModuleZipRules.quote(prefix);
    }
    String name = full.substring(prefix.length());
    if (name.isEmpty()) {
      return null;
    }
    boolean dir = name.endsWith("/");
    if (dir) {
      name = name.substring(0, name.length() - 1);
    }
    if (name.startsWith("/")) {
      return "file path is not relative";
    }
    if (!ModuleZipRules.isClean(name)) {
      return "file path is not clean";
    }
    String why = ModuleZipRules.checkFilePath(name);
    if (why != null) {
      return why;
    }
    why = collisions.check(name, dir);
    if (why != null) {
      return why;
    }
    if (dir) {
      return null;
    }
    int slash = name.lastIndexOf('/');
    String base = name.substring(slash + 1);
    if (base.equalsIgnoreCase("go.mod")) {
      if (slash >= 0) {
        return "go.mod file not in module root directory";
      }
      if (!name.equals("go.mod")) {
        return "go.mod files must have lowercase names";
      }
    }
    return null;
  }
}
