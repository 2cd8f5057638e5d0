package io.berth.it.coordinator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.it.support.ClusterNodes;
import io.berth.it.support.CoordinatorProcess;
import io.berth.it.support.Dig;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.NodeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three coordinator processes on a real ZooKeeper. The leader is killed with SIGKILL while a query
 * loop asks the other two: every query is answered, another instance becomes leader with a higher
 * epoch, and its table follows the cluster (a node killed after the switchover drops out).
 */
class CoordinatorFailoverIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String ZONE = "berth.test.";
  static TestingServer zk;
  static final List<NodeProcess> nodes = new ArrayList<>();
  static final List<CoordinatorProcess> coords = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Dig.requireDig();
    zk = new TestingServer(true);
    Path dir = Files.createTempDirectory("coord-failover");
    String z = zk.getConnectString();
    nodes.add(ClusterNodes.start(dir, "a1", "a", "127.0.1.2", z, null, Map.of()));
    nodes.add(ClusterNodes.start(dir, "a2", "a", "127.0.1.3", z, null, Map.of()));
    List<CoordinatorProcess.Network> nets =
        List.of(new CoordinatorProcess.Network("net-a", List.of("127.0.1.0/24"), "a"));
    for (String id : List.of("c1", "c2", "c3")) {
      coords.add(CoordinatorProcess.start(dir, id, "a", z, ZONE, nets, 4_000));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                coords.stream().filter(CoordinatorProcess::isLeader).count() == 1
                    && coords.stream().allMatch(c -> answers(c).size() == 2));
  }

  @AfterAll
  static void stop() throws Exception {
    for (CoordinatorProcess c : coords) {
      c.close();
    }
    for (NodeProcess n : nodes) {
      n.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  static List<String> answers(CoordinatorProcess c) {
    List<String> a = Dns.a(c.dnsPort(), "127.0.1.50", "go." + ZONE);
    return a == null ? List.of() : a;
  }

  static JsonNode status(CoordinatorProcess c) throws Exception {
    return JSON.readTree(Http.get(c.url() + "/v1/status").body());
  }

  @Test
  void killingTheLeaderNeverStopsTheAnswersAndAnotherTakesOver() throws Exception {
    CoordinatorProcess leader =
        coords.stream().filter(CoordinatorProcess::isLeader).findFirst().orElseThrow();
    List<CoordinatorProcess> others = coords.stream().filter(c -> c != leader).toList();
    long oldEpoch = status(others.get(0)).path("tableEpoch").asLong();
    assertThat(status(others.get(0)).path("tableLeader").asText()).isEqualTo(leader.id());

    AtomicBoolean run = new AtomicBoolean(true);
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread loop =
        new Thread(
            () -> {
              int i = 0;
              while (run.get()) {
                CoordinatorProcess c = others.get(i++ % others.size());
                List<String> a = Dns.a(c.dnsPort(), "127.0.1.50", "go." + ZONE);
                if (a != null && !a.isEmpty()) {
                  ok.incrementAndGet();
                } else {
                  failures.add(c.id() + ": " + a);
                }
                try {
                  Thread.sleep(10);
                } catch (InterruptedException e) {
                  return;
                }
              }
            });
    loop.start();
    Thread.sleep(500);
    leader.kill9();
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> others.stream().filter(CoordinatorProcess::isLeader).count() == 1);
    CoordinatorProcess next =
        others.stream().filter(CoordinatorProcess::isLeader).findFirst().orElseThrow();
    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              for (CoordinatorProcess c : others) {
                JsonNode s = status(c);
                assertThat(s.path("tableLeader").asText()).isEqualTo(next.id());
                assertThat(s.path("tableEpoch").asLong()).isGreaterThan(oldEpoch);
              }
            });
    Thread.sleep(1_000);
    run.set(false);
    loop.join();
    System.out.printf(
        "coordinator loss: %d answers over the switchover, %d failures%n",
        ok.get(), failures.size());
    assertThat(failures).as("queries without an answer over the switchover").isEmpty();
    assertThat(ok.get()).isGreaterThan(50);

    nodes.get(0).kill9();
    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              for (CoordinatorProcess c : others) {
                assertThat(answers(c)).containsExactly("127.0.1.3");
              }
            });
    Dig.Result dig = Dig.query(others.get(0).dnsPort(), "127.0.1.50", "go." + ZONE, "A");
    assertThat(dig.data("A")).containsExactly("127.0.1.3");
  }
}
