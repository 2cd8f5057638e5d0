package io.berth.coordinator.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ProbeStatsTest {
  static HttpTiming.Result ok(long ttfb, long total) {
    return new HttpTiming.Result(200, ttfb / 2, ttfb, total, 1_000_000, "");
  }

  static HttpTiming.Result failed() {
    return new HttpTiming.Result(0, 0, 0, 5_000, 0, "ConnectException: Connection refused");
  }

  @Test
  void mediansOverSuccessesAndScoreBySuccessRate() {
    ProbeStats s =
        ProbeStats.of(
            "n",
            "a",
            "http://n",
            List.of(ok(1000, 3000), ok(2000, 5000), ok(9000, 90000), failed()));
    assertThat(s.successes()).isEqualTo(3);
    assertThat(s.tries()).isEqualTo(4);
    assertThat(s.ttfbMs()).isEqualTo(2.0);
    assertThat(s.totalMs()).isEqualTo(5.0);
    assertThat(s.score()).isEqualTo(5.0 / 0.75);
    assertThat(s.errors()).containsExactly("ConnectException: Connection refused");
    assertThat(s.throughputBytesPerSec()).isPositive();
  }

  @Test
  void slowAndFailingNodesRankLast() {
    ProbeStats fast = ProbeStats.of("fast", "", "u", List.of(ok(500, 1000), ok(500, 1000)));
    ProbeStats slow =
        ProbeStats.of("slow", "", "u", List.of(ok(200_000, 201_000), ok(200_000, 201_000)));
    ProbeStats flaky =
        ProbeStats.of("flaky", "", "u", List.of(ok(500, 1000), failed(), failed(), failed()));
    ProbeStats dead = ProbeStats.of("dead", "", "u", List.of(failed(), failed()));
    assertThat(ProbeStats.rank(List.of(dead, slow, flaky, fast)))
        .extracting(ProbeStats::nodeId)
        .containsExactly("fast", "flaky", "slow", "dead");
    assertThat(ProbeReport.table(ProbeStats.rank(List.of(dead, fast)), "/x"))
        .contains("failed")
        .contains("0/2")
        .contains("2/2");
    assertThat(ProbeReport.json(ProbeStats.rank(List.of(dead, fast)), "/x", 2))
        .contains("\"rank\" : 1")
        .contains("\"scoreMs\" : null");
  }

  @Test
  void statusLines() {
    assertThat(HttpTiming.parseStatus("HTTP/1.1 200 OK")).isEqualTo(200);
    assertThat(HttpTiming.parseStatus("HTTP/1.0 404")).isEqualTo(404);
    assertThat(HttpTiming.parseStatus("SSH-2.0-OpenSSH")).isZero();
    assertThat(HttpTiming.parseStatus("HTTP/1.1 2x0 OK")).isZero();
  }
}
