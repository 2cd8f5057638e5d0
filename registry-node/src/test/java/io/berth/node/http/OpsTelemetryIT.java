package io.berth.node.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.StaticGoProxy;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Operations of a node started like {@code berth serve}: health and readiness, the Prometheus
 * metrics named in the issue (requests by route and status, bytes out, cache hits and misses,
 * upstream latency and errors, single-flight waits) and one JSON access-log line per request.
 */
class OpsTelemetryIT {
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static StaticGoProxy upstream;
  static NodeProcess node;

  @BeforeAll
  static void start() throws Exception {
    Path tree = tmp.resolve("tree");
    GoModules.addToTree(
        tree,
        "example.com/ops/m",
        "v1.0.0",
        Map.of("go.mod", "module example.com/ops/m\n", "m.go", "package m\n"));
    upstream = new StaticGoProxy(tree);
    int dead = NodeProcess.freePort();
    node =
        NodeProcess.start(
            tmp.resolve("data"),
            Map.of(
                "BERTH_HTTP_ACCESS_LOG", "true",
                "BERTH_GO_UPSTREAMS", "http://127.0.0.1:" + dead + "|" + upstream.url(),
                "BERTH_GO_PRIVATE_PATTERNS", "*.corp.example.com"),
            tmp.resolve("node.log"));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void metricsAndAccessLogs() throws Exception {
    assertThat(Http.get(node.url() + "/healthz").statusCode()).isEqualTo(200);
    assertThat(Http.get(node.url() + "/readyz").statusCode()).isEqualTo(200);
    String info = node.url() + "/example.com/ops/m/@v/v1.0.0.info";
    assertThat(Http.get(info).statusCode()).isEqualTo(200); // miss: fetched upstream
    assertThat(Http.get(info).statusCode()).isEqualTo(200); // hit
    assertThat(Http.get(node.url() + "/example.com/ops/none/@v/v1.0.0.mod").statusCode())
        .isEqualTo(404);
    assertThat(Http.get(node.url() + "/sumdb/sum.golang.org/supported").statusCode())
        .isEqualTo(200);
    assertThat(
            Http.get(node.url() + "/sumdb/sum.golang.org/lookup/git.corp.example.com/x@v1.0.0")
                .statusCode())
        .isEqualTo(403);

    HttpResponse<String> scrape = Http.get(node.url() + "/metrics");
    assertThat(scrape.statusCode()).isEqualTo(200);
    String m = scrape.body();
    assertThat(m)
        .containsPattern(
            "berth_http_requests_seconds_count\\{[^}]*route=\"goproxy\"[^}]*status=\"200\"[^}]*\\} 2")
        .containsPattern(
            "berth_http_requests_seconds_count\\{[^}]*route=\"goproxy\"[^}]*status=\"404\"")
        .containsPattern(
            "berth_http_requests_seconds_count\\{[^}]*route=\"sumdb_lookup\"[^}]*status=\"403\"")
        .containsPattern("berth_http_bytes_out_bytes_total [1-9]")
        .containsPattern("berth_go_cache_total\\{result=\"hit\"\\} [1-9]")
        .containsPattern("berth_go_cache_total\\{result=\"miss\"\\} [1-9]")
        .containsPattern("berth_upstream_request_seconds_count\\{[^}]*outcome=\"ok\"")
        .containsPattern("berth_upstream_request_seconds_max\\{")
        .containsPattern(
            "berth_upstream_errors_total\\{area=\"gomod\",upstream=\"http://127.0.0.1:[0-9]+\"\\} [1-9]")
        .containsPattern("berth_singleflight_waits_total\\{area=\"gomod\"\\}")
        .containsPattern("berth_singleflight_waits_total\\{area=\"sumdb\"\\}")
        .contains("berth_sumdb_cache_total{result=\"hit\"}");

    List<JsonNode> lines = new ArrayList<>();
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              lines.clear();
              for (String l : node.output().split("\n")) {
                if (l.startsWith("{")) {
                  lines.add(JSON.readTree(l));
                }
              }
              assertThat(lines)
                  .anyMatch(
                      n ->
                          n.path("path").asText().equals("/example.com/ops/m/@v/v1.0.0.info")
                              && n.path("status").asInt() == 200);
            });
    JsonNode line =
        lines.stream()
            .filter(n -> n.path("path").asText().endsWith("v1.0.0.info"))
            .findFirst()
            .orElseThrow();
    assertThat(line.path("method").asText()).isEqualTo("GET");
    assertThat(line.path("route").asText()).isEqualTo("goproxy");
    assertThat(line.path("bytes").asLong()).isPositive();
    assertThat(line.has("ts") && line.has("ms") && line.has("remote")).isTrue();
    assertThat(lines)
        .anyMatch(
            n ->
                n.path("route").asText().equals("sumdb_lookup") && n.path("status").asInt() == 403);
  }

  @Test
  void clientChosenMethodsDoNotBecomeMetricTags() throws Exception {
    for (int i = 0; i < 20; i++) {
      String resp =
          Http.raw(
              node.port(),
              "FROB"
                  + i
                  + " /example.com/ops/m/@v/list HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
      assertThat(Http.status(resp)).isEqualTo(405);
    }
    String m = Http.get(node.url() + "/metrics").body();
    assertThat(m).doesNotContain("FROB");
    assertThat(m)
        .containsPattern(
            "berth_http_requests_seconds_count\\{[^}]*method=\"OTHER\"[^}]*status=\"405\"[^}]*\\} 20");
    assertThat(m).containsPattern("berth_http_requests_seconds_count\\{[^}]*method=\"GET\"");
  }
}
