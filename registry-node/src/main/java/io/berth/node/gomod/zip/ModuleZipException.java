package io.berth.node.gomod.zip;

import java.util.List;

/**
 * A module zip (or the directory it is built from) breaks the module zip rules of
 * golang.org/x/mod/zip. Carries every offending file with the reason; {@link #getMessage()} is a
 * short, single-line text safe to send as a {@code text/plain} 4xx body (the go command shows at
 * most 8 lines / 648 bytes of such bodies).
 */
public class ModuleZipException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** One offending file (its path inside the module, or the zip entry name) and why. */
  public record Problem(String path, String reason) {
    @Override
    public String toString() {
      return path.isEmpty() ? reason : path + ": " + reason;
    }
  }

  private final transient List<Problem> problems;

  /**
   * @param summary what was being checked, e.g. {@code "invalid module zip"}
   * @param problems at least one problem
   */
  public ModuleZipException(String summary, List<Problem> problems) {
    super(message(summary, problems));
    this.problems = List.copyOf(problems);
  }

  /** A single problem not tied to one file. */
  public ModuleZipException(String summary, String reason) {
    this(summary, List.of(new Problem("", reason)));
  }

  /** Every problem found, in the order found (bounded by the checker). */
  public List<Problem> problems() {
    return problems;
  }

  private static String message(String summary, List<Problem> problems) {
    if (problems.isEmpty()) {
      return summary;
    }
    StringBuilder b = new StringBuilder(summary).append(": ").append(safe(problems.get(0)));
    if (problems.size() > 1) {
      b.append(" (and ").append(problems.size() - 1).append(" more)");
    }
    return b.toString();
  }

  private static String safe(Problem p) {
    String s = p.toString();
    if (s.length() > 300) {
      s = s.substring(0, 300) + "...";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return b.toString();
  }
}
