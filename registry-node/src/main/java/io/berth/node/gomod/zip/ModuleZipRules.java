package io.berth.node.gomod.zip;

import io.berth.common.InvalidCoordinateException;
import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The limits and file-name rules of Go module zips (golang.org/x/mod/zip and module.CheckFilePath).
 * The constants are the values the go command enforces; production code uses them unchanged.
 */
public final class ModuleZipRules {

  /** Maximum size of a module zip file and of its total uncompressed content: 500 MiB. */
  public static final long MAX_ZIP_FILE = 500L << 20;

  /** Maximum size of the root {@code go.mod}: 16 MiB. */
  public static final long MAX_GO_MOD = 16L << 20;

  /** Maximum size of the root {@code LICENSE}: 16 MiB. */
  public static final long MAX_LICENSE = 16L << 20;

  private static final List<String> WINDOWS_RESERVED =
      List.of(
          "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
          "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

  private ModuleZipRules() {}

  /** The zip entry prefix {@code <module>@<version>/} (not case-encoded). */
  public static String prefix(ModulePath path, String version) {
    return path.value() + "@" + version + "/";
  }

  /**
   * Checks that {@code version} is canonical and matches the major-version suffix of {@code path}.
   *
   * @throws ModuleZipException otherwise
   */
  static void checkModuleVersion(ModulePath path, String version) {
    try {
      ModuleVersion.canonical(path, version);
    } catch (InvalidCoordinateException e) {
      throw new ModuleZipException("invalid module version", e.getMessage());
    }
  }

  /**
   * Whether {@code p} is a clean relative slash path as Go's {@code path.Clean} would leave it: no
   * empty, {@code .} or {@code ..} elements and no leading or trailing slash.
   */
  static boolean isClean(String p) {
    if (p.isEmpty()) {
      return false;
    }
    if (p.equals(".")) {
      return true;
    }
    int start = 0;
    for (int i = 0; i <= p.length(); i++) {
      if (i == p.length() || p.charAt(i) == '/') {
        String elem = p.substring(start, i);
        if (elem.isEmpty() && start == 0 && i < p.length()) {
          // a leading slash: Clean keeps it (absolute path), checked separately
        } else if (elem.isEmpty() || elem.equals(".") || elem.equals("..")) {
          return false;
        }
        start = i + 1;
      }
    }
    return true;
  }

  /**
   * Module file path rules (module.CheckFilePath): non-empty elements, none made only of dots or
   * ending with a dot, characters from letters, digits, space and {@code !#$%&()+,-.=@[]^_{}~}, no
   * Windows reserved names.
   *
   * @return why the path is invalid, or {@code null} if it is valid
   */
  static String checkFilePath(String p) {
    if (p.isEmpty()) {
      return "malformed file path \"\": empty string";
    }
    String prefix = "malformed file path " + quote(p) + ": ";
    if (p.contains("//")) {
      return prefix + "double slash";
    }
    if (p.charAt(p.length() - 1) == '/') {
      return prefix + "trailing slash";
    }
    int start = 0;
    for (int i = 0; i <= p.length(); i++) {
      if (i == p.length() || p.charAt(i) == '/') {
        String why = checkElement(p.substring(start, i));
        if (why != null) {
          return prefix + why;
        }
        start = i + 1;
      }
    }
    return null;
  }

  private static String checkElement(String elem) {
    if (elem.isEmpty()) {
      return "empty path element";
    }
    if (elem.chars().allMatch(c -> c == '.')) {
      return "invalid path element " + quote(elem);
    }
    if (elem.charAt(elem.length() - 1) == '.') {
      return "trailing dot in path element";
    }
    for (int i = 0; i < elem.length(); ) {
      int cp = elem.codePointAt(i);
      if (!fileNameOk(cp)) {
        return "invalid char " + quoteChar(cp);
      }
      i += Character.charCount(cp);
    }
    int dot = elem.indexOf('.');
    String shortName = dot >= 0 ? elem.substring(0, dot) : elem;
    for (String bad : WINDOWS_RESERVED) {
      if (bad.equalsIgnoreCase(shortName)) {
        return quote(shortName) + " disallowed as path element component on Windows";
      }
    }
    return null;
  }

  private static boolean fileNameOk(int c) {
    if (c < 0x80) {
      if ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) {
        return true;
      }
      return "!#$%&()+,-.=@[]^_{}~ ".indexOf(c) >= 0;
    }
    return Character.isLetter(c);
  }

  /**
   * Whether a file belongs to a vendored package and is left out of module zips. This keeps the go
   * command's historical behaviour (golang.org/issue/31562): files directly in the top-level {@code
   * vendor/} directory (such as {@code vendor/modules.txt}) are kept, files in its subdirectories
   * are dropped, and every file below a nested {@code /vendor/} directory is dropped.
   */
  static boolean isVendoredPackage(String name) {
    int i;
    if (name.startsWith("vendor/")) {
      i = "vendor/".length();
    } else if (name.contains("/vendor/")) {
      // The go command uses this fixed offset rather than the index of "/vendor/"; changing it
      // would
      // change module checksums, so we must do the same.
      i = "/vendor/".length();
    } else {
      return false;
    }
    return i <= name.length() && name.substring(i).contains("/");
  }

  /** A key such that two names have equal keys iff they are equal under simple case folding. */
  static String foldKey(String s) {
    boolean simple = true;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 0x80 || (c >= 'A' && c <= 'Z')) {
        simple = false;
        break;
      }
    }
    if (simple) {
      return s;
    }
    StringBuilder b = new StringBuilder(s.length());
    s.codePoints()
        .forEach(cp -> b.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp))));
    return b.toString();
  }

  /**
   * Finds names equal under case folding, duplicate files, and paths used both as a file and a
   * directory (x/mod/zip's collisionChecker). Parent directories are registered implicitly.
   */
  static final class CollisionChecker {
    private record Seen(String path, boolean dir) {}

    private final Map<String, Seen> seen = new HashMap<>();

    /**
     * @return why {@code p} collides with an earlier path, or {@code null}
     */
    String check(String p, boolean dir) {
      while (true) {
        String key = foldKey(p);
        Seen other = seen.get(key);
        if (other != null) {
          if (!other.path.equals(p)) {
            return "case-insensitive file name collision: "
                + quote(other.path)
                + " and "
                + quote(p);
          }
          if (other.dir != dir) {
            return "entry " + quote(p) + " is both a file and a directory";
          }
          if (!dir) {
            return "multiple entries for file " + quote(p);
          }
        } else {
          seen.put(key, new Seen(p, dir));
        }
        int slash = p.lastIndexOf('/');
        if (slash <= 0) {
          return null;
        }
        p = p.substring(0, slash);
        dir = true;
      }
    }
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    int n = Math.min(s.length(), 200);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else if (c == '"' || c == '\\') {
        b.append('\\').append(c);
      } else {
        b.append(c);
      }
    }
    if (s.length() > n) {
      b.append("...");
    }
    return b.append('"').toString();
  }

  private static String quoteChar(int cp) {
    if (cp < 0x20 || cp == 0x7f) {
      return String.format(Locale.ROOT, "'\\x%02x'", cp);
    }
    if (cp >= 0x80 && !Character.isLetter(cp)) {
      return String.format(Locale.ROOT, "U+%04X", cp);
    }
    return "'" + new String(Character.toChars(cp)) + "'";
  }
}
