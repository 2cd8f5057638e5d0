package io.berth.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs the real {@code dig} (Debian bind9-dnsutils) against a local server. */
public final class Dig {
  private static final Pattern STATUS = Pattern.compile("status: ([A-Z]+)");

  /**
   * One dig run.
   *
   * @param status the response code name (NOERROR, NXDOMAIN, ...), or empty if none came
   * @param answers the answer section's records, one line each
   */
  public record Result(String status, List<String> answers, boolean authoritative, String output) {
    /** The data fields (last column) of the answers of {@code type}. */
    public List<String> data(String type) {
      List<String> out = new ArrayList<>();
      for (String a : answers) {
        String[] f = a.trim().split("\\s+");
        if (f.length >= 5 && f[3].equals(type)) {
          out.add(String.join(" ", java.util.Arrays.copyOfRange(f, 4, f.length)));
        }
      }
      return out;
    }
  }

  private Dig() {}

  /** Fails loudly when dig is missing. */
  public static void requireDig() {
    try {
      Process p = new ProcessBuilder("dig", "-v").redirectErrorStream(true).start();
      if (p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return;
      }
    } catch (IOException | InterruptedException e) {
      // fall through
    }
    throw new AssertionError(
        "the real `dig` is required: apt-get install -y bind9-dnsutils (bin/test-all installs it)");
  }

  /**
   * {@code dig @127.0.0.1 -p <port> [-b <source>] <name> <type> <options...>}.
   *
   * @param source the source address to bind, or null
   */
  public static Result query(int port, String source, String name, String type, String... options)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", Integer.toString(port)));
    if (source != null) {
      cmd.add("-b");
      cmd.add(source);
    }
    cmd.add(name);
    cmd.add(type);
    cmd.add("+time=2");
    cmd.add("+tries=2");
    cmd.addAll(List.of(options));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("dig timed out: " + cmd);
    }
    Matcher m = STATUS.matcher(out);
    String status = m.find() ? m.group(1) : "";
    List<String> answers = new ArrayList<>();
    boolean in = false;
    boolean aa = false;
    for (String line : out.split("\n")) {
      if (line.startsWith(";; flags:")) {
        aa = line.replaceAll(";.*?flags:", "").split(";")[0].contains(" aa");
      }
      if (line.startsWith(";; ANSWER SECTION:")) {
        in = true;
        continue;
      }
      if (in) {
        if (line.isBlank() || line.startsWith(";;")) {
          in = false;
        } else {
          answers.add(line);
        }
      }
    }
    return new Result(status, answers, aa, out);
  }
}
