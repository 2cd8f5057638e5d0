package io.berth.common;

import java.util.List;
import java.util.Locale;

/**
 * A validated Go module path (golang.org/x/mod/module rules) and the GOPROXY case-encoding of paths
 * and versions: each uppercase letter is written as {@code !} plus the lowercase letter.
 *
 * <p>Instances only exist for valid paths, so anything holding a {@code ModulePath} may use {@link
 * #value()} as a storage key.
 */
public final class ModulePath implements Comparable<ModulePath> {

  private static final List<String> WINDOWS_RESERVED =
      List.of(
          "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7",
          "COM8", "COM9", "LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9");

  private final String value;
  private final String pathMajor;

  private ModulePath(String value, String pathMajor) {
    this.value = value;
    this.pathMajor = pathMajor;
  }

  /**
   * Validates a decoded module path.
   *
   * @throws InvalidCoordinateException naming the rule the path breaks
   */
  public static ModulePath of(String path) {
    String major = check(path);
    return new ModulePath(path, major);
  }

  /**
   * Decodes a case-encoded path taken from a URL, then validates it.
   *
   * @throws InvalidCoordinateException for uppercase letters, a misused {@code !}, non-ASCII, or a
   *     decoded path that is not a valid module path
   */
  public static ModulePath fromEscaped(String escaped) {
    String decoded = unescape(escaped, "module path");
    return of(decoded);
  }

  /** The decoded (canonical) module path. */
  public String value() {
    return value;
  }

  /** The case-encoded form used in GOPROXY URLs. */
  public String escaped() {
    return escape(value);
  }

  /** The major version suffix: {@code ""}, {@code "/vN"} (N &ge; 2) or a gopkg.in {@code ".vN"}. */
  public String pathMajor() {
    return pathMajor;
  }

  /**
   * Whether {@code version} (a valid semantic version) is allowed for this path's major-version
   * suffix: no suffix allows v0, v1 and {@code +incompatible}; {@code /vN} requires major N.
   */
  public boolean matchesMajor(String version) {
    String pm = pathMajor;
    if (pm.startsWith(".v") && pm.endsWith("-unstable")) {
      pm = pm.substring(0, pm.length() - "-unstable".length());
    }
    if (version.startsWith("v0.0.0-") && pm.equals(".v1")) {
      return true;
    }
    String major = SemVer.major(version);
    if (pm.isEmpty()) {
      return major.equals("v0")
          || major.equals("v1")
          || SemVer.build(version).equals("+incompatible");
    }
    return major.equals(pm.substring(1));
  }

  /** Case-encodes a path or version string that contains only ASCII and no {@code !}. */
  public static String escape(String s) {
    StringBuilder b = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        if (b == null) {
          b = new StringBuilder(s.length() + 4).append(s, 0, i);
        }
        b.append('!').append((char) (c + ('a' - 'A')));
      } else if (b != null) {
        b.append(c);
      }
    }
    return b == null ? s : b.toString();
  }

  /**
   * Reverses {@link #escape}. Rejects uppercase letters, {@code !} not followed by a-z, a trailing
   * {@code !} and any non-ASCII character.
   */
  public static String unescape(String escaped, String what) {
    StringBuilder b = new StringBuilder(escaped.length());
    boolean bang = false;
    for (int i = 0; i < escaped.length(); i++) {
      char c = escaped.charAt(i);
      if (c >= 0x80 || c < 0x20 || c == 0x7f) {
        throw new InvalidCoordinateException(
            "invalid escaped " + what + ": non-ASCII or control character");
      }
      if (bang) {
        bang = false;
        if (c < 'a' || c > 'z') {
          throw new InvalidCoordinateException(
              "invalid escaped " + what + ": '!' must be followed by a lowercase letter");
        }
        b.append((char) (c - ('a' - 'A')));
        continue;
      }
      if (c == '!') {
        bang = true;
        continue;
      }
      if (c >= 'A' && c <= 'Z') {
        throw new InvalidCoordinateException(
            "invalid escaped " + what + ": uppercase letters must be written as '!' + lowercase");
      }
      b.append(c);
    }
    if (bang) {
      throw new InvalidCoordinateException("invalid escaped " + what + ": trailing '!'");
    }
    return b.toString();
  }

  private static String check(String path) {
    if (path == null || path.isEmpty()) {
      throw new InvalidCoordinateException("malformed module path: empty string");
    }
    String quoted = quote(path);
    checkGeneral(path, quoted, false);
    int slash = path.indexOf('/');
    String first = slash < 0 ? path : path.substring(0, slash);
    if (slash == 0) {
      throw new InvalidCoordinateException("malformed module path " + quoted + ": leading slash");
    }
    if (first.indexOf('.') < 0) {
      throw new InvalidCoordinateException(
          "malformed module path " + quoted + ": missing dot in first path element");
    }
    if (path.charAt(0) == '-') {
      throw new InvalidCoordinateException(
          "malformed module path " + quoted + ": leading dash in first path element");
    }
    for (int i = 0; i < first.length(); i++) {
      char c = first.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
      if (!ok) {
        throw new InvalidCoordinateException(
            "malformed module path " + quoted + ": invalid char '" + c + "' in first path element");
      }
    }
    String major = splitPathMajor(path);
    if (major == null) {
      throw new InvalidCoordinateException(
          "malformed module path " + quoted + ": invalid major version suffix");
    }
    return major;
  }

  /**
   * Checks the rules shared by module paths and version strings. For a file name (versions) the
   * element may start with a dot, and the character set is the file-name set restricted to ASCII.
   */
  static void checkGeneral(String path, String quoted, boolean fileName) {
    // No blanket ".." check: like golang.org/x/mod/module, "a..b" is a valid element, while an
    // element made only of dots ("..") is rejected by checkElement.
    if (path.contains("//")) {
      throw new InvalidCoordinateException(
          "malformed " + kind(fileName) + quoted + ": double slash");
    }
    if (path.endsWith("/")) {
      throw new InvalidCoordinateException(
          "malformed " + kind(fileName) + quoted + ": trailing slash");
    }
    int start = 0;
    for (int i = 0; i <= path.length(); i++) {
      if (i == path.length() || path.charAt(i) == '/') {
        checkElement(path.substring(start, i), quoted, fileName);
        start = i + 1;
      }
    }
  }

  private static void checkElement(String elem, String quoted, boolean fileName) {
    String prefix = "malformed " + kind(fileName) + quoted + ": ";
    if (elem.isEmpty()) {
      throw new InvalidCoordinateException(prefix + "empty path element");
    }
    if (elem.chars().allMatch(c -> c == '.')) {
      throw new InvalidCoordinateException(prefix + "invalid path element " + quote(elem));
    }
    if (elem.charAt(0) == '.' && !fileName) {
      throw new InvalidCoordinateException(prefix + "leading dot in path element");
    }
    if (elem.charAt(elem.length() - 1) == '.') {
      throw new InvalidCoordinateException(prefix + "trailing dot in path element");
    }
    for (int i = 0; i < elem.length(); i++) {
      char c = elem.charAt(i);
      boolean ok = fileName ? fileNameOk(c) : pathOk(c);
      if (!ok) {
        throw new InvalidCoordinateException(prefix + "invalid char " + quoteChar(c));
      }
    }
    int dot = elem.indexOf('.');
    String shortName = dot >= 0 ? elem.substring(0, dot) : elem;
    for (String bad : WINDOWS_RESERVED) {
      if (bad.equalsIgnoreCase(shortName)) {
        throw new InvalidCoordinateException(
            prefix + quote(shortName) + " disallowed as path element component on Windows");
      }
    }
    if (!fileName) {
      // Windows short names such as "PROGRA~1": a tilde followed only by digits at the end.
      int tilde = shortName.lastIndexOf('~');
      if (tilde >= 0
          && tilde < shortName.length() - 1
          && shortName.substring(tilde + 1).chars().allMatch(c -> c >= '0' && c <= '9')) {
        throw new InvalidCoordinateException(prefix + "trailing tilde and digits in path element");
      }
    }
  }

  static boolean pathOk(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '.'
        || c == '_'
        || c == '~';
  }

  private static boolean fileNameOk(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      return true;
    }
    return "#$%&()+,-.=@[]^_{}~".indexOf(c) >= 0;
  }

  /** Returns the major suffix, or {@code null} if the path's version suffix is malformed. */
  private static String splitPathMajor(String path) {
    if (path.startsWith("gopkg.in/")) {
      int i = path.length();
      if (path.endsWith("-unstable")) {
        i -= "-unstable".length();
      }
      while (i > 0 && path.charAt(i - 1) >= '0' && path.charAt(i - 1) <= '9') {
        i--;
      }
      if (i <= 1 || path.charAt(i - 1) != 'v' || path.charAt(i - 2) != '.') {
        return null;
      }
      String major = path.substring(i - 2);
      if (major.length() <= 2 || (major.charAt(2) == '0' && !major.equals(".v0"))) {
        return null;
      }
      return major;
    }
    int i = path.length();
    boolean dot = false;
    while (i > 0
        && ((path.charAt(i - 1) >= '0' && path.charAt(i - 1) <= '9')
            || path.charAt(i - 1) == '.')) {
      if (path.charAt(i - 1) == '.') {
        dot = true;
      }
      i--;
    }
    if (i <= 1 || i == path.length() || path.charAt(i - 1) != 'v' || path.charAt(i - 2) != '/') {
      return "";
    }
    String major = path.substring(i - 2);
    if (dot || major.length() <= 2 || major.charAt(2) == '0' || major.equals("/v1")) {
      return null;
    }
    return major;
  }

  private static String kind(boolean fileName) {
    return fileName ? "version " : "module path ";
  }

  /**
   * Quotes a client-supplied value for an error message: double quotes, control and non-ASCII
   * characters escaped, cut after 200 characters.
   */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    int n = Math.min(s.length(), 200);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c >= 0x7f) {
        b.append(String.format(Locale.ROOT, "\\x%02x", (int) c & 0xff));
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

  private static String quoteChar(char c) {
    if (c < 0x20 || c >= 0x7f) {
      return String.format(Locale.ROOT, "'\\x%02x'", (int) c & 0xff);
    }
    return "'" + c + "'";
  }

  @Override
  public String toString() {
    return value;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ModulePath m && m.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }

  @Override
  public int compareTo(ModulePath o) {
    return value.compareTo(o.value);
  }
}
