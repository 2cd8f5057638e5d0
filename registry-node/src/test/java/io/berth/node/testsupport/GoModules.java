package io.berth.node.testsupport;

import io.berth.common.ModulePath;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Builds module zips and static GOPROXY trees for tests. */
public final class GoModules {
  private GoModules() {}

  /** Writes a module zip with {@code files} (relative names) under {@code module@version/}. */
  public static Path zip(Path dir, String module, String version, Map<String, String> files)
      throws IOException {
    Files.createDirectories(dir);
    Path zip = dir.resolve(ModulePath.escape(module).replace('/', '_') + "@" + version + ".zip");
    try (OutputStream os = Files.newOutputStream(zip);
        ZipOutputStream z = new ZipOutputStream(os)) {
      for (Map.Entry<String, String> e : new TreeMap<>(files).entrySet()) {
        z.putNextEntry(new ZipEntry(module + "@" + version + "/" + e.getKey()));
        z.write(e.getValue().getBytes(StandardCharsets.UTF_8));
        z.closeEntry();
      }
    }
    return zip;
  }

  /**
   * Adds {@code module@version} to a static GOPROXY tree under {@code root}: .info, .mod, .zip and
   * the list file.
   */
  public static void addToTree(Path root, String module, String version, Map<String, String> files)
      throws IOException {
    Path dir = root.resolve(ModulePath.escape(module)).resolve("@v");
    Files.createDirectories(dir);
    String ev = ModulePath.escape(version);
    Path zip = zip(root.resolve(".zips"), module, version, files);
    Files.copy(zip, dir.resolve(ev + ".zip"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    String mod = files.getOrDefault("go.mod", "module " + module + "\n");
    Files.writeString(dir.resolve(ev + ".mod"), mod);
    Files.writeString(
        dir.resolve(ev + ".info"),
        "{\"Version\":\"" + version + "\",\"Time\":\"2024-01-02T03:04:05Z\"}");
    Path list = dir.resolve("list");
    String existing = Files.exists(list) ? Files.readString(list) : "";
    if (!existing.lines().anyMatch(version::equals)) {
      Files.writeString(list, existing + version + "\n");
    }
  }
}
