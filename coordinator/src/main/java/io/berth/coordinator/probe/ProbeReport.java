package io.berth.coordinator.probe;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders ranked {@link ProbeStats} as a score table or JSON. Pure. */
public final class ProbeReport {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private ProbeReport() {}

  /** A fixed-width table, best first. */
  public static String table(List<ProbeStats> ranked, String path) {
    StringBuilder b = new StringBuilder();
    b.append(
        String.format(
            Locale.ROOT,
            "%-4s %-20s %-10s %10s %10s %10s %10s %12s %7s%n",
            "RANK",
            "NODE",
            "REGION",
            "SCORE",
            "CONNECT",
            "TTFB",
            "TOTAL",
            "THROUGHPUT",
            "OK"));
    int rank = 1;
    for (ProbeStats s : ranked) {
      b.append(
          String.format(
              Locale.ROOT,
              "%-4d %-20s %-10s %10s %10s %10s %10s %12s %7s%n",
              rank++,
              s.nodeId(),
              s.region().isEmpty() ? "-" : s.region(),
              Double.isInfinite(s.score()) ? "failed" : ms(s.score()),
              s.successes() == 0 ? "-" : ms(s.connectMs()),
              s.successes() == 0 ? "-" : ms(s.ttfbMs()),
              s.successes() == 0 ? "-" : ms(s.totalMs()),
              s.successes() == 0 ? "-" : rate(s.throughputBytesPerSec()),
              s.successes() + "/" + s.tries()));
    }
    for (ProbeStats s : ranked) {
      for (String e : s.errors()) {
        b.append("  ")
            .append(s.nodeId())
            .append(" (")
            .append(s.url())
            .append("): ")
            .append(e)
            .append('\n');
      }
    }
    b.append("object: ").append(path).append("; score = median total time / success rate\n");
    return b.toString();
  }

  /** JSON: {@code {"path", "results": [{rank, node, region, url, scoreMs, ...}]}}. */
  public static String json(List<ProbeStats> ranked, String path, int tries) {
    List<Map<String, Object>> results = new ArrayList<>();
    int rank = 1;
    for (ProbeStats s : ranked) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("rank", rank++);
      m.put("node", s.nodeId());
      m.put("region", s.region());
      m.put("url", s.url());
      m.put("scoreMs", Double.isInfinite(s.score()) ? null : round(s.score()));
      m.put("connectMs", round(s.connectMs()));
      m.put("ttfbMs", round(s.ttfbMs()));
      m.put("totalMs", round(s.totalMs()));
      m.put("throughputBytesPerSec", s.throughputBytesPerSec());
      m.put("bodyBytes", s.bodyBytes());
      m.put("successRate", round(s.successRate()));
      m.put("successes", s.successes());
      m.put("tries", s.tries());
      m.put("errors", s.errors());
      results.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("path", path);
    out.put("triesPerNode", tries);
    out.put("results", results);
    try {
      return JSON.writeValueAsString(out) + "\n";
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private static String ms(double v) {
    return String.format(Locale.ROOT, "%.2fms", v);
  }

  static String rate(long bytesPerSec) {
    if (bytesPerSec >= 1 << 20) {
      return String.format(Locale.ROOT, "%.1fMiB/s", bytesPerSec / 1048576.0);
    }
    if (bytesPerSec >= 1 << 10) {
      return String.format(Locale.ROOT, "%.1fKiB/s", bytesPerSec / 1024.0);
    }
    return bytesPerSec + "B/s";
  }
}
