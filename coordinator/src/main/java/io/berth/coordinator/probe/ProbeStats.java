package io.berth.coordinator.probe;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The summary of N timed requests to one candidate node, and the ranking of candidates. Pure.
 *
 * <p>Score (lower is better): the median total time of the successful tries in milliseconds,
 * divided by the success rate; a node with no success has an infinite score and ranks last.
 */
public record ProbeStats(
    String nodeId,
    String region,
    String url,
    int tries,
    int successes,
    double connectMs,
    double ttfbMs,
    double totalMs,
    long throughputBytesPerSec,
    long bodyBytes,
    List<String> errors) {

  public ProbeStats {
    errors = List.copyOf(errors);
  }

  /** Summarizes the tries of one node (medians over successful tries). */
  public static ProbeStats of(
      String nodeId, String region, String url, List<HttpTiming.Result> results) {
    List<Long> connect = new ArrayList<>();
    List<Long> ttfb = new ArrayList<>();
    List<Long> total = new ArrayList<>();
    List<Long> tput = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    long bytes = 0;
    int ok = 0;
    for (HttpTiming.Result r : results) {
      if (r.ok()) {
        ok++;
        connect.add(r.connectMicros());
        ttfb.add(r.ttfbMicros());
        total.add(r.totalMicros());
        tput.add(r.throughputBytesPerSec());
        bytes = Math.max(bytes, r.bodyBytes());
      } else {
        String e = r.error().isEmpty() ? "HTTP " + r.status() : r.error();
        if (!errors.contains(e)) {
          errors.add(e);
        }
      }
    }
    return new ProbeStats(
        nodeId,
        region,
        url,
        results.size(),
        ok,
        median(connect) / 1000.0,
        median(ttfb) / 1000.0,
        median(total) / 1000.0,
        (long) median(tput),
        bytes,
        errors);
  }

  public double successRate() {
    return tries == 0 ? 0 : (double) successes / tries;
  }

  public double score() {
    return successes == 0 ? Double.POSITIVE_INFINITY : totalMs / successRate();
  }

  /** Best first: by score, then by node id. */
  public static List<ProbeStats> rank(List<ProbeStats> stats) {
    List<ProbeStats> out = new ArrayList<>(stats);
    out.sort(Comparator.comparingDouble(ProbeStats::score).thenComparing(ProbeStats::nodeId));
    return out;
  }

  static double median(List<Long> v) {
    if (v.isEmpty()) {
      return 0;
    }
    List<Long> s = new ArrayList<>(v);
    s.sort(Long::compare);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2.0;
  }
}
