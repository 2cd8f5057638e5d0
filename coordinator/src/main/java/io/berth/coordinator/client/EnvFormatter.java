package io.berth.coordinator.client;

import java.util.ArrayList;
import java.util.List;

/**
 * Formats client settings for the nearest nodes: Go environment as POSIX shell exports (accepted by
 * {@code sh} and, one by one, by {@code go env -w}), a Docker {@code daemon.json} with {@code
 * registry-mirrors}, and a containerd {@code hosts.toml}. Pure; node URLs come best first.
 */
public final class EnvFormatter {
  private EnvFormatter() {}

  /** One Go setting. */
  public record Setting(String name, String value) {}

  /**
   * The Go settings: {@code GOPROXY=<n1>,<n2>,...,direct}, {@code GOSUMDB}, and for private
   * patterns {@code GOPRIVATE} and {@code GONOSUMDB} with {@code GONOPROXY=none} (private modules
   * still come through the Berth nodes, which never send them upstream).
   */
  public static List<Setting> goSettings(
      List<String> nodeUrls, List<String> privatePatterns, String gosumdb) {
    List<String> proxies = new ArrayList<>();
    for (String u : nodeUrls) {
      proxies.add(stripSlash(u));
    }
    proxies.add("direct");
    List<Setting> out = new ArrayList<>();
    out.add(new Setting("GOPROXY", String.join(",", proxies)));
    out.add(new Setting("GOSUMDB", gosumdb));
    if (!privatePatterns.isEmpty()) {
      String joined = String.join(",", privatePatterns);
      out.add(new Setting("GOPRIVATE", joined));
      out.add(new Setting("GONOPROXY", "none"));
      out.add(new Setting("GONOSUMDB", joined));
    }
    return out;
  }

  /** {@code export NAME='value'} lines, single-quoted for any POSIX shell. */
  public static String shell(List<Setting> settings) {
    StringBuilder b = new StringBuilder();
    for (Setting s : settings) {
      b.append("export ").append(s.name()).append('=').append(shellQuote(s.value())).append('\n');
    }
    return b.toString();
  }

  static String shellQuote(String v) {
    return "'" + v.replace("'", "'\\''") + "'";
  }

  /** A {@code daemon.json} snippet. */
  public static String daemonJson(List<String> nodeUrls) {
    StringBuilder b = new StringBuilder("{\n  \"registry-mirrors\": [");
    for (int i = 0; i < nodeUrls.size(); i++) {
      b.append(i == 0 ? "\n    " : ",\n    ").append(jsonString(stripSlash(nodeUrls.get(i))));
    }
    b.append(nodeUrls.isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
    return b.toString();
  }

  /**
   * A containerd {@code hosts.toml} for {@code upstream} (e.g. {@code https://registry-1.docker.io}
   * in {@code /etc/containerd/certs.d/docker.io/hosts.toml}): the nodes first, for pull and
   * resolve.
   */
  public static String hostsToml(String upstream, List<String> nodeUrls) {
    StringBuilder b = new StringBuilder();
    b.append("server = ").append(jsonString(upstream)).append("\n");
    for (String u : nodeUrls) {
      b.append("\n[host.")
          .append(jsonString(stripSlash(u)))
          .append("]\n  capabilities = [\"pull\", \"resolve\"]\n");
    }
    return b.toString();
  }

  /** A JSON (and TOML basic) string literal. */
  static String jsonString(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** Every line of {@code text} prefixed with {@code # } (so shell output stays parseable). */
  public static String commented(String text) {
    StringBuilder b = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      if (!line.isEmpty()) {
        b.append("# ").append(line).append('\n');
      }
    }
    return b.toString();
  }

  private static String stripSlash(String u) {
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }
}
