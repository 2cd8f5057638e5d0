package io.berth.node.access;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * GOPRIVATE-style patterns: comma-separated globs ({@code path.Match} syntax) that match a path
 * when they match its leading path elements, e.g. {@code corp.example.com} matches {@code
 * corp.example.com/x/y} and {@code *.corp.example.com} matches {@code git.corp.example.com/a}. Used
 * for module paths and OCI repository names alike.
 */
public final class PrivatePatterns {
  private record Glob(int elements, Pattern regex) {}

  private final List<Glob> globs = new ArrayList<>();
  private final List<String> source;

  public PrivatePatterns(List<String> patterns) {
    List<String> all = new ArrayList<>();
    for (String entry : patterns) {
      for (String p : entry.split(",")) {
        String t = p.trim();
        while (t.endsWith("/")) {
          t = t.substring(0, t.length() - 1);
        }
        if (t.isEmpty()) {
          continue;
        }
        all.add(t);
        globs.add(new Glob(t.split("/", -1).length, Pattern.compile(toRegex(t))));
      }
    }
    this.source = List.copyOf(all);
  }

  public static PrivatePatterns none() {
    return new PrivatePatterns(List.of());
  }

  /** Whether {@code path} (a module path or repository name) is private. */
  public boolean matches(String path) {
    if (globs.isEmpty()) {
      return false;
    }
    String[] elems = path.split("/", -1);
    for (Glob g : globs) {
      if (elems.length < g.elements) {
        continue;
      }
      String prefix = String.join("/", java.util.Arrays.copyOf(elems, g.elements));
      if (g.regex.matcher(prefix).matches()) {
        return true;
      }
    }
    return false;
  }

  /** The patterns as configured (for {@code berth env} and logs). */
  public List<String> patterns() {
    return source;
  }

  private static String toRegex(String glob) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < glob.length(); i++) {
      char c = glob.charAt(i);
      switch (c) {
        case '*' -> b.append("[^/]*");
        case '?' -> b.append("[^/]");
        case '[' -> {
          int end = glob.indexOf(']', i + 1);
          if (end < 0) {
            b.append("\\[");
          } else {
            String cls = glob.substring(i + 1, end);
            if (cls.startsWith("^")) {
              cls = "^/" + cls.substring(1);
            }
            b.append('[').append(cls.replace("\\", "\\\\")).append(']');
            i = end;
          }
        }
        case '\\' -> {
          if (i + 1 < glob.length()) {
            b.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
          }
        }
        default -> b.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return b.toString();
  }
}
