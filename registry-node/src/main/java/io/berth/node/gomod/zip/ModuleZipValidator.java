package io.berth.node.gomod.zip;

import io.berth.common.ModulePath;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Enumeration;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** TEMPORARY placeholder until the gozip branch lands. */
public final class ModuleZipValidator {
  private ModuleZipValidator() {}

  public static ZipCheck check(Path zipFile, ModulePath path, String version, long maxZipBytes)
      throws IOException {
    String prefix = path.value() + "@" + version + "/";
    List<String> lines = new ArrayList<>();
    byte[] goMod = null;
    try (ZipFile zf = new ZipFile(zipFile.toFile())) {
      Enumeration<? extends ZipEntry> en = zf.entries();
      List<ZipEntry> entries = new ArrayList<>();
      while (en.hasMoreElements()) {
        entries.add(en.nextElement());
      }
      entries.sort((a, b) -> compareUtf8(a.getName(), b.getName()));
      for (ZipEntry e : entries) {
        if (!e.getName().startsWith(prefix)) {
          throw new ModuleZipException("zip entry " + e.getName() + " is outside " + prefix);
        }
        if (e.isDirectory()) {
          continue;
        }
        MessageDigest md = sha();
        try (InputStream in = zf.getInputStream(e)) {
          byte[] buf = new byte[65536];
          int n;
          java.io.ByteArrayOutputStream gm = null;
          if (e.getName().equals(prefix + "go.mod")) {
            gm = new java.io.ByteArrayOutputStream();
          }
          while ((n = in.read(buf)) > 0) {
            md.update(buf, 0, n);
            if (gm != null) {
              gm.write(buf, 0, n);
            }
          }
          if (gm != null) {
            goMod = gm.toByteArray();
          }
        }
        lines.add(HexFormat.of().formatHex(md.digest()) + "  " + e.getName() + "\n");
      }
    } catch (java.util.zip.ZipException e) {
      throw new ModuleZipException("not a valid zip file: " + e.getMessage());
    }
    MessageDigest md = sha();
    for (String l : lines) {
      md.update(l.getBytes(StandardCharsets.UTF_8));
    }
    String h1 = "h1:" + Base64.getEncoder().encodeToString(md.digest());
    byte[] effective =
        goMod != null ? goMod : ("module " + path.value() + "\n").getBytes(StandardCharsets.UTF_8);
    return new ZipCheck(h1, Files.size(zipFile), goMod, DirHash.hashGoMod(effective));
  }

  private static int compareUtf8(String a, String b) {
    return java.util.Arrays.compareUnsigned(
        a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static MessageDigest sha() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
