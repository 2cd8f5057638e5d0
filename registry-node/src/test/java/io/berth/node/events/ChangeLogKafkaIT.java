package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.TestNodes;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Nodes of one region share a blob directory and one Kafka topic (a real KRaft broker): what one
 * node writes, the others apply; an outage of Kafka loses nothing; a crash between commit and
 * publish publishes the event exactly once; a new node rebuilds its index from the topic.
 */
class ChangeLogKafkaIT {
  @TempDir static Path tmp;
  static KafkaBroker kafka;
  static Path blobs;

  @BeforeAll
  static void startKafka() throws Exception {
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
    blobs = tmp.resolve("shared-blobs");
  }

  @AfterAll
  static void stopKafka() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  static NodeConfig nodeConfig(String id, String topic, long relayDelay) {
    NodeConfig c = TestNodes.config(tmp.resolve(id));
    return new NodeConfig(
        new NodeConfig.NodeSection(id, "eu"),
        c.http(),
        new NodeConfig.StorageSection("file", tmp.resolve(id).toString(), blobs.toString()),
        c.go(),
        c.sumdb(),
        c.oci(),
        c.cluster(),
        new NodeConfig.EventsSection(
            kafka.bootstrap(), topic, true, 3, (short) 1, 1, 24L, relayDelay));
  }

  static String publish(NodeAssembly node, String module, String version, String content)
      throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips").resolve(node.config().node().id()),
            module,
            version,
            Map.of("go.mod", "module " + module + "\n", "a.go", "package a\n// " + content + "\n"));
    var r =
        Http.putFile(
            TestNodes.url(node)
                + "/_berth/api/go/publish/"
                + ModulePath.escape(module)
                + "/@v/"
                + version
                + ".zip",
            zip);
    assertThat(r.statusCode()).as(r.body()).isIn(200, 201);
    return r.body();
  }

  static Map<String, ModuleVersionRecord> dump(NodeAssembly node) {
    Map<String, ModuleVersionRecord> out = new TreeMap<>();
    node.moduleIndex()
        .forEachVersion(
            r ->
                out.put(
                    r.getModulePath() + "@" + r.getVersion(),
                    r.toBuilder().clearStoredUnixMillis().build()));
    return out;
  }

  static double applied(NodeAssembly node, String result) {
    return node.metrics().get("berth_events_applied").tag("result", result).counter().count();
  }

  @Test
  void twoNodesOneStoreOneTopicOutageAndBootstrap() throws Exception {
    String topic = "berth.eu.changes.main";
    try (NodeAssembly a = new NodeAssembly(nodeConfig("a", topic, 0)).start();
        NodeAssembly b = new NodeAssembly(nodeConfig("b", topic, 0)).start()) {
      publish(a, "corp.example.com/Shared/lib", "v1.0.0", "first");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> dump(b).containsKey("corp.example.com/Shared/lib@v1.0.0"));
      GoTool go =
          new GoTool(tmp.resolve("go-b")).env("GOPROXY", TestNodes.url(b)).env("GOSUMDB", "off");
      GoTool.Result r =
          go.run(tmp, "mod", "download", "-json", "corp.example.com/Shared/lib@v1.0.0");
      assertThat(r.ok()).as("B serves what A published: " + r.stderr()).isTrue();
      assertThat(r.stdout())
          .contains(
              a.moduleIndex()
                  .get(ModulePath.of("corp.example.com/Shared/lib"), "v1.0.0")
                  .orElseThrow()
                  .getZipH1());

      // Kafka outage during continuous publishes: every publish succeeds, nothing is lost
      kafka.stop();
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int n = 0;
      while (System.nanoTime() < until) {
        publish(a, "corp.example.com/outage", "v0.0." + n, "n" + n);
        n++;
        Thread.sleep(300);
      }
      assertThat(a.changeLog().lastSeq() - a.changeLog().publishedSeq())
          .as("backlog while Kafka is down")
          .isGreaterThanOrEqualTo(n);
      kafka.restart();
      int published = n;
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  dump(b).keySet().stream()
                          .filter(k -> k.startsWith("corp.example.com/outage@"))
                          .count()
                      == published);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> a.changeLog().publishedSeq() == a.changeLog().lastSeq());
      assertThat(dump(b)).isEqualTo(dump(a));
      assertThat(applied(b, "applied"))
          .as("every event applied exactly once on B")
          .isEqualTo(a.changeLog().lastSeq());
      assertThat(Http.get(TestNodes.url(b) + "/_berth/api/events").body())
          .contains("\"caughtUp\":true");

      // a new, empty node replays the topic and ends with the same index
      try (NodeAssembly c = new NodeAssembly(nodeConfig("c", topic, 0)).start()) {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(() -> Http.get(TestNodes.url(c) + "/readyz").statusCode() == 200);
        assertThat(dump(c)).isEqualTo(dump(a));
      }
    }
  }

  @Test
  void conflictingVersionsAreRecordedNotApplied() throws Exception {
    String topic = "berth.eu.changes.conflict";
    // both relays hold their batches for a while, so both nodes store their own v1.0.0 before
    // either sees the other's event (a true race, made deterministic)
    try (NodeAssembly a = new NodeAssembly(nodeConfig("ca", topic, 3000)).start();
        NodeAssembly b = new NodeAssembly(nodeConfig("cb", topic, 3000)).start()) {
      publish(a, "corp.example.com/race", "v1.0.0", "from A");
      publish(b, "corp.example.com/race", "v1.0.0", "from B");
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> a.changeLog().conflicts() == 1 && b.changeLog().conflicts() == 1);
      ModulePath m = ModulePath.of("corp.example.com/race");
      assertThat(a.moduleIndex().get(m, "v1.0.0").orElseThrow().getZipH1())
          .as("a version once served never changes")
          .isNotEqualTo(b.moduleIndex().get(m, "v1.0.0").orElseThrow().getZipH1());
      assertThat(Http.get(TestNodes.url(a) + "/_berth/api/events").body())
          .contains("corp.example.com/race@v1.0.0");
      assertThat(Http.get(TestNodes.url(a) + "/metrics").body()).contains("berth_events_conflicts");
    }
  }

  @Test
  void crashBetweenCommitAndPublishPublishesExactlyOnce() throws Exception {
    String topic = "berth.eu.changes.crash";
    try (NodeAssembly b = new NodeAssembly(nodeConfig("xb", topic, 0)).start()) {
      Path dataA = tmp.resolve("xa");
      Map<String, String> env =
          Map.of(
              "BERTH_NODE_ID", "xa",
              "BERTH_NODE_REGION", "eu",
              "BERTH_STORAGE_SHARED_BLOB_DIR", blobs.toString(),
              "BERTH_GO_UPSTREAMS", "off",
              "BERTH_EVENTS_KAFKA_BOOTSTRAP", kafka.bootstrap(),
              "BERTH_EVENTS_TOPIC", topic,
              "BERTH_EVENTS_PARTITIONS", "3",
              "BERTH_EVENTS_REPLICATION_FACTOR", "1",
              "BERTH_EVENTS_MIN_INSYNC_REPLICAS", "1");
      java.util.HashMap<String, String> slow = new java.util.HashMap<>(env);
      slow.put("BERTH_EVENTS_RELAY_DELAY_MILLIS", "60000");
      NodeProcess a = NodeProcess.start(dataA, slow, tmp.resolve("xa.log"));
      try {
        Path zip =
            GoModules.zip(
                tmp.resolve("xz"),
                "corp.example.com/crash",
                "v1.0.0",
                Map.of("go.mod", "module corp.example.com/crash\n"));
        var r =
            Http.putFile(
                a.url() + "/_berth/api/go/publish/corp.example.com/crash/@v/v1.0.0.zip", zip);
        assertThat(r.statusCode()).isEqualTo(201);
        var status = Http.get(a.url() + "/_berth/api/events").body();
        assertThat(status).contains("\"lastSeq\":1").contains("\"publishedSeq\":0");
        a.kill9();
      } finally {
        a.close();
      }
      Thread.sleep(1000);
      assertThat(dump(b)).as("nothing was published before the crash").isEmpty();
      NodeProcess again = NodeProcess.start(dataA, env, tmp.resolve("xa2.log"));
      try {
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> dump(b).containsKey("corp.example.com/crash@v1.0.0"));
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    Http.get(again.url() + "/_berth/api/events")
                        .body()
                        .contains("\"publishedSeq\":1"));
        Thread.sleep(1000);
        assertThat(applied(b, "applied")).isEqualTo(1.0);
        assertThat(applied(b, "duplicate")).isZero();
      } finally {
        again.stop();
      }
    }
  }

  static List<String> keys(NodeAssembly n) {
    return List.copyOf(dump(n).keySet());
  }
}
