package io.berth.common;

import java.util.Comparator;
import java.util.regex.Pattern;

/**
 * Semantic versions as the go command uses them (golang.org/x/mod/semver): {@code v} + major
 * [.minor[.patch]] [-prerelease] [+build]. Pure functions; invalid input is reported by {@link
 * #isValid} and sorts before every valid version.
 */
public final class SemVer {

  private static final Pattern PSEUDO =
      Pattern.compile(
          "^v[0-9]+\\.(0\\.0-|\\d+\\.\\d+-([^+]*\\.)?0\\.)\\d{14}-[A-Za-z0-9]+(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$");

  /** Orders valid versions by semantic-version precedence. */
  public static final Comparator<String> ORDER = SemVer::compare;

  private SemVer() {}

  private record Parsed(
      String major, String minor, String patch, String short_, String prerelease, String build) {}

  /** Whether {@code v} is a valid semantic version (shorthands such as v1 and v1.2 included). */
  public static boolean isValid(String v) {
    return parse(v) != null;
  }

  /**
   * The canonical form {@code vX.Y.Z[-pre]} with the build suffix dropped, or {@code ""} if
   * invalid. Module versions keep {@code +incompatible}: see {@link #canonicalModuleVersion}.
   */
  public static String canonical(String v) {
    Parsed p = parse(v);
    if (p == null) {
      return "";
    }
    return "v" + p.major + "." + p.minor + "." + p.patch + p.prerelease;
  }

  /** Like {@link #canonical} but keeps the {@code +incompatible} build suffix. */
  public static String canonicalModuleVersion(String v) {
    String c = canonical(v);
    if (!c.isEmpty() && build(v).equals("+incompatible")) {
      return c + "+incompatible";
    }
    return c;
  }

  /** Whether {@code v} is already a canonical module version (what .mod and .zip URLs need). */
  public static boolean isCanonicalModuleVersion(String v) {
    return isValid(v) && canonicalModuleVersion(v).equals(v);
  }

  /** The major version prefix, e.g. {@code v2}, or {@code ""} if invalid. */
  public static String major(String v) {
    Parsed p = parse(v);
    return p == null ? "" : "v" + p.major;
  }

  /** The build suffix including {@code +}, or {@code ""}. */
  public static String build(String v) {
    Parsed p = parse(v);
    return p == null ? "" : p.build;
  }

  /** The prerelease suffix including {@code -}, or {@code ""}. */
  public static String prerelease(String v) {
    Parsed p = parse(v);
    return p == null ? "" : p.prerelease;
  }

  /** Whether {@code v} is a pseudo-version (a commit stamp rather than a release). */
  public static boolean isPseudo(String v) {
    return v.chars().filter(c -> c == '-').count() >= 2
        && isValid(v)
        && PSEUDO.matcher(v).matches();
  }

  /**
   * Compares two versions by precedence. An invalid version is less than every valid one, and two
   * invalid versions are equal.
   */
  public static int compare(String v, String w) {
    Parsed pv = parse(v);
    Parsed pw = parse(w);
    if (pv == null && pw == null) {
      return 0;
    }
    if (pv == null) {
      return -1;
    }
    if (pw == null) {
      return 1;
    }
    int c = compareInt(pv.major, pw.major);
    if (c != 0) {
      return c;
    }
    c = compareInt(pv.minor, pw.minor);
    if (c != 0) {
      return c;
    }
    c = compareInt(pv.patch, pw.patch);
    if (c != 0) {
      return c;
    }
    return comparePrerelease(pv.prerelease, pw.prerelease);
  }

  private static Parsed parse(String v) {
    if (v == null || v.isEmpty() || v.charAt(0) != 'v') {
      return null;
    }
    int[] pos = {1};
    String major = parseInt(v, pos);
    if (major == null) {
      return null;
    }
    String minor;
    String patch;
    String shortSuffix = "";
    if (pos[0] == v.length()) {
      return new Parsed(major, "0", "0", ".0.0", "", "");
    }
    if (v.charAt(pos[0]) != '.') {
      return null;
    }
    pos[0]++;
    minor = parseInt(v, pos);
    if (minor == null) {
      return null;
    }
    if (pos[0] == v.length()) {
      return new Parsed(major, minor, "0", ".0", "", "");
    }
    if (v.charAt(pos[0]) != '.') {
      return null;
    }
    pos[0]++;
    patch = parseInt(v, pos);
    if (patch == null) {
      return null;
    }
    String prerelease = "";
    if (pos[0] < v.length() && v.charAt(pos[0]) == '-') {
      int start = pos[0];
      int end = v.indexOf('+', start);
      if (end < 0) {
        end = v.length();
      }
      prerelease = v.substring(start, end);
      if (!validIdentifiers(prerelease.substring(1), true)) {
        return null;
      }
      pos[0] = end;
    }
    String build = "";
    if (pos[0] < v.length() && v.charAt(pos[0]) == '+') {
      build = v.substring(pos[0]);
      if (!validIdentifiers(build.substring(1), false)) {
        return null;
      }
      pos[0] = v.length();
    }
    if (pos[0] != v.length()) {
      return null;
    }
    return new Parsed(major, minor, patch, shortSuffix, prerelease, build);
  }

  private static String parseInt(String v, int[] pos) {
    int i = pos[0];
    int start = i;
    while (i < v.length() && v.charAt(i) >= '0' && v.charAt(i) <= '9') {
      i++;
    }
    if (i == start) {
      return null;
    }
    String n = v.substring(start, i);
    if (n.length() > 1 && n.charAt(0) == '0') {
      return null;
    }
    pos[0] = i;
    return n;
  }

  private static boolean validIdentifiers(String s, boolean prerelease) {
    if (s.isEmpty()) {
      return false;
    }
    for (String id : s.split("\\.", -1)) {
      if (id.isEmpty()) {
        return false;
      }
      boolean numeric = true;
      for (int i = 0; i < id.length(); i++) {
        char c = id.charAt(i);
        boolean ok =
            (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
        if (!ok) {
          return false;
        }
        if (c < '0' || c > '9') {
          numeric = false;
        }
      }
      if (prerelease && numeric && id.length() > 1 && id.charAt(0) == '0') {
        return false;
      }
    }
    return true;
  }

  private static int compareInt(String a, String b) {
    if (a.length() != b.length()) {
      return a.length() < b.length() ? -1 : 1;
    }
    return Integer.signum(a.compareTo(b));
  }

  private static int comparePrerelease(String x, String y) {
    if (x.equals(y)) {
      return 0;
    }
    if (x.isEmpty()) {
      return 1;
    }
    if (y.isEmpty()) {
      return -1;
    }
    String[] xs = x.substring(1).split("\\.");
    String[] ys = y.substring(1).split("\\.");
    for (int i = 0; i < Math.min(xs.length, ys.length); i++) {
      String a = xs[i];
      String b = ys[i];
      if (a.equals(b)) {
        continue;
      }
      boolean an = a.chars().allMatch(Character::isDigit);
      boolean bn = b.chars().allMatch(Character::isDigit);
      if (an && bn) {
        return compareInt(a, b);
      }
      if (an) {
        return -1;
      }
      if (bn) {
        return 1;
      }
      return Integer.signum(a.compareTo(b));
    }
    return Integer.compare(xs.length, ys.length);
  }
}
