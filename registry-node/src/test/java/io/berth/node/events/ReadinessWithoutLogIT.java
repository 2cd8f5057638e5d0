package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.RegionNodes;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka outage must not take a region out of service on a restart (review finding M8): a node
 * whose index caught up with the region log once becomes ready after {@code
 * events.readyWithoutLogAfterSeconds} even though the log cannot be reached, and keeps taking
 * writes; an empty node stays unready, because it has nothing to serve.
 */
class ReadinessWithoutLogIT {
  @TempDir static Path tmp;
  static KafkaBroker kafka;
  static Path blobs;

  @BeforeAll
  static void start() throws Exception {
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
    blobs = tmp.resolve("shared-blobs");
  }

  @AfterAll
  static void stop() throws Exception {
    if (kafka != null) {
      kafka.close();
    }
  }

  static NodeConfig config(String id, long readyWithoutLogSeconds) {
    return RegionNodes.config(
        tmp,
        id,
        "eu",
        blobs,
        RegionNodes.events(kafka.bootstrap(), "", 0, 0, 1_000, readyWithoutLogSeconds));
  }

  static int ready(NodeAssembly n) throws Exception {
    return Http.get(TestNodes.url(n) + "/readyz").statusCode();
  }

  static double servingWithoutLog(NodeAssembly n) {
    return n.metrics().get("berth_events_serving_without_log").gauge().value();
  }

  @Test
  void aMemberNodeServesDuringAKafkaOutageAndAnEmptyNodeDoesNot() throws Exception {
    try (NodeAssembly a = new NodeAssembly(config("a", 3)).start()) {
      await().atMost(Duration.ofSeconds(90)).until(() -> ready(a) == 200);
      assertThat(a.changeLog().everCaughtUp()).isTrue();
    }
    kafka.stop();
    try (NodeAssembly a = new NodeAssembly(config("a", 3)).start();
        NodeAssembly empty = new NodeAssembly(config("empty", 3)).start()) {
      assertThat(ready(a)).as("not ready at once: the log may just be slow").isEqualTo(503);
      await().atMost(Duration.ofSeconds(60)).until(() -> ready(a) == 200);
      assertThat(servingWithoutLog(a)).isEqualTo(1.0);
      Path zip =
          GoModules.zip(
              tmp.resolve("z"),
              "corp.example.com/outage",
              "v1.0.0",
              Map.of("go.mod", "module corp.example.com/outage\n"));
      assertThat(
              Http.putFile(
                      TestNodes.url(a)
                          + "/_berth/api/go/publish/corp.example.com/outage/@v/v1.0.0.zip",
                      zip)
                  .statusCode())
          .as("writes succeed locally while Kafka is down")
          .isEqualTo(201);
      assertThat(ready(empty))
          .as("an empty node stays unready: it never caught up with the log")
          .isEqualTo(503);
      assertThat(servingWithoutLog(empty)).isEqualTo(0.0);

      kafka.restart();
      await()
          .atMost(Duration.ofSeconds(90))
          .until(() -> a.changeLog().publishedSeq() == a.changeLog().lastSeq());
      await().atMost(Duration.ofSeconds(90)).until(() -> ready(empty) == 200);
      assertThat(ready(a)).as("no flapping while the log comes back").isEqualTo(200);
    }
  }

  @Test
  void withTheFallbackOffAMemberNodeWaitsForTheLog() throws Exception {
    try (NodeAssembly b = new NodeAssembly(config("b", 0)).start()) {
      await().atMost(Duration.ofSeconds(90)).until(() -> ready(b) == 200);
    }
    kafka.stop();
    try (NodeAssembly b = new NodeAssembly(config("b", 0)).start()) {
      Thread.sleep(6_000);
      assertThat(ready(b)).isEqualTo(503);
      assertThat(servingWithoutLog(b)).isEqualTo(0.0);
    } finally {
      kafka.restart();
    }
  }
}
