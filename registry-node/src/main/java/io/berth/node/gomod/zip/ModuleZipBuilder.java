package io.berth.node.gomod.zip;

import io.berth.common.ModulePath;
import io.berth.node.gomod.zip.ModuleZipException.Problem;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Builds a module zip from a directory following golang.org/x/mod/zip CreateFromDir.
 *
 * <p>Left out silently (as the go command does): symbolic links and other irregular files, the
 * version-control directories {@code .bzr .git .hg .svn}, files in vendored packages (everything
 * below {@code vendor/<dir>/} and below any nested {@code /vendor/}; files directly in the
 * top-level {@code vendor/}, such as {@code vendor/modules.txt}, are kept), subdirectories that
 * contain their own {@code go.mod} (nested modules), and a root {@code .hg_archival.txt}.
 *
 * <p>Rejected with {@link ModuleZipException}: a non-canonical version or one that does not match
 * the path's major version, invalid file names (module.CheckFilePath), names that collide under
 * case folding, a {@code go.mod} with another case at the root, total size over 500 MiB, go.mod or
 * root LICENSE over 16 MiB, and files that change size while being zipped.
 *
 * <p>Entries are named {@code <module>@<version>/<relative path>} (not case-encoded), written in
 * the order of a lexical directory walk with a fixed timestamp, so the same tree always gives the
 * same bytes and the same {@code h1:} hash.
 */
public final class ModuleZipBuilder {

  private static final Set<String> VCS_DIRS = Set.of(".bzr", ".git", ".hg", ".svn");
  private static final LocalDateTime FIXED_TIME = LocalDateTime.of(1980, 1, 1, 0, 0);

  private final long maxTotal;
  private final long maxGoMod;
  private final long maxLicense;

  /** A builder with the go command's limits ({@link ModuleZipRules}). */
  public ModuleZipBuilder() {
    this(ModuleZipRules.MAX_ZIP_FILE, ModuleZipRules.MAX_GO_MOD, ModuleZipRules.MAX_LICENSE);
  }

  /** Lowered limits, for tests that must stay small. */
  ModuleZipBuilder(long maxTotal, long maxGoMod, long maxLicense) {
    this.maxTotal = maxTotal;
    this.maxGoMod = maxGoMod;
    this.maxLicense = maxLicense;
  }

  long maxTotalBytes() {
    return maxTotal;
  }

  long maxGoModBytes() {
    return maxGoMod;
  }

  long maxLicenseBytes() {
    return maxLicense;
  }

  /** A file kept for the zip: its slash path relative to the module root and its size. */
  private record DirFile(Path file, String rel, long size) {}

  /**
   * Writes the zip of {@code path@version} built from {@code dir} to {@code out} (not closed).
   *
   * @throws ModuleZipException if the directory breaks a module zip rule (nothing useful is
   *     written)
   * @throws UncheckedIOException on I/O errors
   */
  public void createFromDir(Path dir, ModulePath path, String version, OutputStream out) {
    ModuleZipRules.checkModuleVersion(path, version);
    try {
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new ModuleZipException("cannot create module zip", dir + " is not a directory");
      }
      List<DirFile> listed = new ArrayList<>();
      walk(dir, "", listed);
      List<DirFile> valid = checkFiles(listed);
      write(valid, ModuleZipRules.prefix(path, version), out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void walk(Path dir, String rel, List<DirFile> out) throws IOException {
    List<Path> children = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      ds.forEach(children::add);
    }
    children.sort(
        (a, b) ->
            Arrays.compareUnsigned(
                a.getFileName().toString().getBytes(StandardCharsets.UTF_8),
                b.getFileName().toString().getBytes(StandardCharsets.UTF_8)));
    for (Path child : children) {
      String name = child.getFileName().toString();
      String childRel = rel.isEmpty() ? name : rel + "/" + name;
      if (ModuleZipRules.isVendoredPackage(childRel)) {
        continue;
      }
      BasicFileAttributes attrs =
          Files.readAttributes(child, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attrs.isDirectory()) {
        if (VCS_DIRS.contains(name)) {
          continue;
        }
        Path goMod = child.resolve("go.mod");
        if (Files.exists(goMod, LinkOption.NOFOLLOW_LINKS)
            && !Files.isDirectory(goMod, LinkOption.NOFOLLOW_LINKS)) {
          continue; // a nested module
        }
        walk(child, childRel, out);
      } else if (attrs.isRegularFile()) {
        out.add(new DirFile(child, childRel, attrs.size()));
      }
      // symbolic links and other irregular files are left out
    }
  }

  /** x/mod/zip checkFiles: drops omitted files, collects invalid ones, checks sizes. */
  private List<DirFile> checkFiles(List<DirFile> files) {
    Set<String> haveGoMod = new HashSet<>();
    for (DirFile f : files) {
      int slash = f.rel.lastIndexOf('/');
      if (f.rel.substring(slash + 1).equalsIgnoreCase("go.mod")) {
        haveGoMod.add(slash < 0 ? "" : f.rel.substring(0, slash + 1));
      }
    }
    List<Problem> invalid = new ArrayList<>();
    List<DirFile> valid = new ArrayList<>();
    ModuleZipRules.CollisionChecker collisions = new ModuleZipRules.CollisionChecker();
    long remaining = maxTotal;
    String sizeError = null;
    for (DirFile f : files) {
      String p = f.rel;
      if (inSubmodule(p, haveGoMod) || p.equals(".hg_archival.txt")) {
        continue;
      }
      String why = ModuleZipRules.checkFilePath(p);
      if (why == null && p.equalsIgnoreCase("go.mod") && !p.equals("go.mod")) {
        why = "go.mod files must have lowercase names";
      }
      if (why == null) {
        why = collisions.check(p, false);
      }
      if (why != null) {
        invalid.add(new Problem(p, why));
        continue;
      }
      if (f.size <= remaining) {
        remaining -= f.size;
      } else if (sizeError == null) {
        sizeError = "module source tree too large (max size is " + maxTotal + " bytes)";
      }
      if (p.equals("go.mod") && f.size > maxGoMod) {
        invalid.add(new Problem(p, "go.mod file too large (max size is " + maxGoMod + " bytes)"));
        continue;
      }
      if (p.equals("LICENSE") && f.size > maxLicense) {
        invalid.add(
            new Problem(p, "LICENSE file too large (max size is " + maxLicense + " bytes)"));
        continue;
      }
      valid.add(f);
    }
    if (sizeError != null) {
      invalid.add(0, new Problem("", sizeError));
    }
    if (!invalid.isEmpty()) {
      throw new ModuleZipException("cannot create module zip", invalid);
    }
    return valid;
  }

  private static boolean inSubmodule(String p, Set<String> haveGoMod) {
    int slash = p.lastIndexOf('/');
    while (slash > 0) {
      if (haveGoMod.contains(p.substring(0, slash + 1))) {
        return true;
      }
      slash = p.lastIndexOf('/', slash - 1);
    }
    return false;
  }

  private static void write(List<DirFile> files, String prefix, OutputStream out)
      throws IOException {
    ZipOutputStream zip =
        new ZipOutputStream(
            new FilterOutputStream(out) {
              @Override
              public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
              }

              @Override
              public void close() throws IOException {
                flush();
              }
            },
            StandardCharsets.UTF_8);
    zip.setLevel(Deflater.DEFAULT_COMPRESSION);
    byte[] buf = new byte[64 * 1024];
    for (DirFile f : files) {
      ZipEntry entry = new ZipEntry(prefix + f.rel);
      entry.setTimeLocal(FIXED_TIME);
      entry.setMethod(ZipEntry.DEFLATED);
      zip.putNextEntry(entry);
      long copied = 0;
      try (InputStream in = Files.newInputStream(f.file, LinkOption.NOFOLLOW_LINKS)) {
        int n;
        while ((n = in.read(buf)) > 0) {
          copied += n;
          if (copied > f.size) {
            throw new ModuleZipException(
                "cannot create module zip",
                List.of(new Problem(f.rel, "file is larger than declared size")));
          }
          zip.write(buf, 0, n);
        }
      }
      if (copied != f.size) {
        throw new ModuleZipException(
            "cannot create module zip",
            List.of(new Problem(f.rel, "file changed size while being zipped")));
      }
      zip.closeEntry();
    }
    zip.close();
  }
}
