package io.berth.it.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.it.support.ClusterNodes;
import io.berth.it.support.CoordinatorProcess;
import io.berth.it.support.DelayProxy;
import io.berth.it.support.Dig;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.JavaProcess;
import io.berth.node.testsupport.NodeProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Three nodes of one region, each reached through a delay-injecting TCP proxy (what they register
 * and what clients use). Adding latency in front of the best node drops it in the table once the
 * measurements see it; {@code berth probe} ranks it last; {@code berth env} output is accepted by
 * {@code sh} and {@code go env -w}, and the go command then downloads through the first node.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CoordinatorLatencyIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ZONE = "berth.test.";
  static final String MODULE = "corp.example.com/hello";
  static TestingServer zk;
  static Path dir;
  static final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
  static final Map<String, DelayProxy> proxies = new LinkedHashMap<>();
  static CoordinatorProcess coord;
  static String delayed;
  static long zipSize;

  @BeforeAll
  static void start() throws Exception {
    Dig.requireDig();
    GoTool.requireGo();
    zk = new TestingServer(true);
    dir = Files.createTempDirectory("coord-latency");
    String z = zk.getConnectString();
    String[][] spec = {
      {"a1", "127.0.1.2", "127.0.1.12"},
      {"a2", "127.0.1.3", "127.0.1.13"},
      {"a3", "127.0.1.4", "127.0.1.14"}
    };
    for (String[] s : spec) {
      DelayProxy p = new DelayProxy(s[2]);
      proxies.put(s[0], p);
      NodeProcess n =
          ClusterNodes.start(
              dir,
              s[0],
              "a",
              s[1],
              z,
              p.url(),
              Map.of(
                  "BERTH_GO_PRIVATE_PATTERNS",
                  "corp.example.com",
                  "BERTH_HTTP_ACCESS_LOG",
                  "true"));
      p.target(n.host(), n.port());
      nodes.put(s[0], n);
    }
    coord =
        CoordinatorProcess.start(
            dir,
            "c1",
            "a",
            z,
            ZONE,
            List.of(new CoordinatorProcess.Network("net-a", List.of("127.0.1.0/24"), "a")),
            5_000);
    Path zip =
        GoModules.zip(
            dir.resolve("zips"),
            MODULE,
            "v1.0.0",
            Map.of(
                "go.mod",
                "module " + MODULE + "\n\ngo 1.19\n",
                "hello.go",
                "package hello\n\n// Hi says hi.\nfunc Hi() string { return \""
                    + "x".repeat(20_000)
                    + "\" }\n"));
    zipSize = Files.size(zip);
    for (NodeProcess n : nodes.values()) {
      var r = Http.putFile(n.url() + "/_berth/api/go/publish/" + MODULE + "/@v/v1.0.0.zip", zip);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .untilAsserted(
            () -> {
              JsonNode r = resolve();
              assertThat(r.path("nodes")).hasSize(3);
              for (JsonNode n : r.path("nodes")) {
                assertThat(n.path("reason").asText()).contains("measurement");
              }
            });
  }

  @AfterAll
  static void stop() throws Exception {
    if (coord != null) {
      coord.close();
    }
    for (NodeProcess n : nodes.values()) {
      n.close();
    }
    for (DelayProxy p : proxies.values()) {
      p.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  static JsonNode resolve() throws Exception {
    return JSON.readTree(Http.get(coord.url() + "/v1/resolve?client=127.0.1.50").body());
  }

  static List<String> ranking() throws Exception {
    List<String> ids = new ArrayList<>();
    resolve().path("nodes").forEach(n -> ids.add(n.path("nodeId").asText()));
    return ids;
  }

  static String run(String... args) throws Exception {
    Path log = Files.createTempFile(dir, "cli", ".out");
    JavaProcess p =
        JavaProcess.start("io.berth.coordinator.Main", List.of(args), Map.of(), List.of(), log);
    int code = p.waitFor(120);
    String out = Files.readString(log);
    assertThat(code).as(out).isZero();
    return out;
  }

  @Test
  @Order(1)
  void latencyInFrontOfTheBestNodeDropsItsRankOnceMeasured() throws Exception {
    String best = ranking().get(0);
    delayed = best;
    proxies.get(best).delayMillis(300);
    await()
        .atMost(Duration.ofSeconds(45))
        .untilAsserted(
            () -> {
              JsonNode last = resolve().path("nodes").get(2);
              assertThat(last.path("nodeId").asText()).isEqualTo(best);
              assertThat(last.path("estimatedLatencyMicros").asLong()).isGreaterThan(200_000);
            });
    String ip = best.equals("a1") ? "127.0.1.12" : best.equals("a2") ? "127.0.1.13" : "127.0.1.14";
    Dig.Result dig = Dig.query(coord.dnsPort(), "127.0.1.50", "go." + ZONE, "A");
    assertThat(dig.data("A")).hasSize(2).doesNotContain(ip);
  }

  @Test
  @Order(2)
  void probeRanksTheDelayedNodeLast() throws Exception {
    String path = "/" + MODULE + "/@v/v1.0.0.zip";
    String json =
        run(
            "probe",
            "--coordinator",
            coord.url(),
            "--client",
            "127.0.1.50",
            "--path",
            path,
            "-n",
            "3",
            "--json");
    JsonNode results = JSON.readTree(json.substring(json.indexOf('{'))).path("results");
    assertThat(results).hasSize(3);
    assertThat(results.get(2).path("node").asText()).isEqualTo(delayed);
    for (JsonNode r : results) {
      assertThat(r.path("successes").asInt()).isEqualTo(3);
      assertThat(r.path("bodyBytes").asLong()).isEqualTo(zipSize);
      assertThat(r.path("throughputBytesPerSec").asLong()).isPositive();
    }
    assertThat(results.get(2).path("ttfbMs").asDouble()).isGreaterThan(250);
    List<String> nodeArgs = new ArrayList<>(List.of("probe", "--path", path, "-n", "2"));
    for (DelayProxy p : proxies.values()) {
      nodeArgs.add("--node");
      nodeArgs.add(p.url());
    }
    String table = run(nodeArgs.toArray(String[]::new));
    String[] lines = table.split("\n");
    assertThat(lines[0]).startsWith("RANK").contains("TTFB").contains("THROUGHPUT");
    assertThat(lines[3]).startsWith("3").contains(proxies.get(delayed).url().substring(7));
  }

  @Test
  @Order(3)
  void envOutputWorksWithShAndGoEnvAndGoDownloadsThroughTheFirstNode() throws Exception {
    String out = run("env", "--coordinator", coord.url(), "--client", "127.0.1.50");
    Path envFile = dir.resolve("berth.env");
    Files.writeString(envFile, out);
    Process sh =
        new ProcessBuilder(
                "sh",
                "-c",
                ". \"$0\" && printf '%s\\n' \"$GOPROXY\" \"$GOSUMDB\" \"$GOPRIVATE\" \"$GONOPROXY\" \"$GONOSUMDB\"",
                envFile.toString())
            .redirectErrorStream(true)
            .start();
    String[] vals =
        new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
    assertThat(sh.waitFor(30, TimeUnit.SECONDS) && sh.exitValue() == 0)
        .as(String.join("\n", vals))
        .isTrue();
    String[] proxiesListed = vals[0].split(",");
    assertThat(proxiesListed).hasSize(3);
    assertThat(proxiesListed[2]).isEqualTo("direct");
    assertThat(vals[0]).doesNotContain(proxies.get(delayed).url());
    assertThat(vals[1]).isEqualTo("sum.golang.org");
    assertThat(vals[2]).isEqualTo("corp.example.com");
    assertThat(vals[3]).isEqualTo("none");
    assertThat(vals[4]).isEqualTo("corp.example.com");
    assertThat(out).contains("registry-mirrors").contains("[host.\"" + proxiesListed[0] + "\"]");

    String first =
        proxies.entrySet().stream()
            .filter(e -> e.getValue().url().equals(proxiesListed[0]))
            .findFirst()
            .orElseThrow()
            .getKey();
    String only = "corp.example.com/only-first";
    Path zip =
        GoModules.zip(
            dir.resolve("zips2"),
            only,
            "v1.0.0",
            Map.of("go.mod", "module " + only + "\n", "x.go", "package x\n"));
    assertThat(
            Http.putFile(
                    nodes.get(first).url() + "/_berth/api/go/publish/" + only + "/@v/v1.0.0.zip",
                    zip)
                .statusCode())
        .isEqualTo(201);

    GoTool go = new GoTool(dir.resolve("gohome"));
    go.env("GOENV", dir.resolve("gohome/go.env").toString());
    for (String line : out.split("\n")) {
      if (line.startsWith("export ")) {
        String kv = line.substring(7);
        String k = kv.substring(0, kv.indexOf('='));
        String v = kv.substring(kv.indexOf('=') + 2, kv.length() - 1);
        GoTool.Result w = go.run(dir, "env", "-w", k + "=" + v);
        assertThat(w.ok()).as(w.stderr()).isTrue();
      }
    }
    assertThat(go.run(dir, "env", "GOPROXY").stdout().trim()).isEqualTo(vals[0]);
    Path work = Files.createDirectories(dir.resolve("work"));
    GoTool.Result dl = go.run(work, "mod", "download", "-json", only + "@v1.0.0");
    assertThat(dl.ok()).as(dl.stdout() + dl.stderr()).isTrue();
    assertThat(JSON.readTree(dl.stdout()).path("Zip").asText()).endsWith("v1.0.0.zip");
    assertThat(nodes.get(first).output()).contains("only-first");
  }
}
