package io.berth.it.replication;

import static io.berth.it.support.GoPublishing.download;
import static io.berth.it.support.GoPublishing.metric;
import static io.berth.it.support.GoPublishing.publish;
import static io.berth.it.support.GoPublishing.serves;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.it.support.DumpLogsOnFailure;
import io.berth.it.support.GoPublishing;
import io.berth.it.support.Region;
import io.berth.it.support.ReplicatorProcess;
import io.berth.it.support.ReplicatorProcess.LinkSpec;
import io.berth.it.support.Topics;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.JavaProcess;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.replicator.region.Fence;
import io.berth.replicator.region.GrpcRegionClient;
import io.berth.replicator.region.RegionException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two regions (a: 127.0.1.x, b: 127.0.2.x; two node processes each, sharing a blob directory per
 * region, one topic per region on one real KRaft broker), a real ZooKeeper, and two replicator
 * processes that share the links a->b and b->a. Go modules are published through the nodes' HTTP
 * API and {@code berth go publish}, and downloaded with the real go command.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReplicationIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final int SESSION_MS = 5_000;

  /** a->b copies at 8 MiB/s, so a 60-100 MiB copy lasts long enough to interrupt it. */
  static final long BANDWIDTH = 8L << 20;

  static final String AB = "a->b";
  static final String BA = "b->a";

  @TempDir static Path tmp;

  @RegisterExtension static final DumpLogsOnFailure logs = new DumpLogsOnFailure(() -> tmp);

  static TestingServer zk;
  static KafkaBroker kafka;
  static Region a;
  static Region b;
  static final List<ReplicatorProcess> replicators = new ArrayList<>();
  static List<LinkSpec> links;

  @BeforeAll
  static void startCluster() throws Exception {
    GoTool.requireGo();
    zk = new TestingServer(true);
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
    a = Region.create("a", 1, 2, tmp.resolve("region-a"), kafka.bootstrap());
    b = Region.create("b", 2, 2, tmp.resolve("region-b"), kafka.bootstrap());
    a.peers(b);
    b.peers(a);
    CompletableFuture<Void> startA = CompletableFuture.runAsync(() -> start(a));
    start(b);
    startA.join();
    links = List.of(LinkSpec.mirror(a, b).bandwidth(BANDWIDTH), LinkSpec.mirror(b, a));
    replicators.add(startReplicator("r1"));
    replicators.add(startReplicator("r2"));
    await().atMost(Duration.ofSeconds(60)).until(() -> owner(AB) != null && owner(BA) != null);
  }

  static void start(Region r) {
    try {
      r.start();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static ReplicatorProcess startReplicator(String id) throws Exception {
    return ReplicatorProcess.start(
        id,
        tmp.resolve("replicators"),
        zk.getConnectString(),
        SESSION_MS,
        kafka.bootstrap(),
        List.of(a, b),
        links);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    for (ReplicatorProcess r : replicators) {
      r.close();
    }
    for (Region r : new Region[] {a, b}) {
      if (r != null) {
        r.close();
      }
    }
    if (kafka != null) {
      kafka.close();
    }
    if (zk != null) {
      zk.close();
    }
  }

  /** The instance owning {@code link}, or null. */
  static ReplicatorProcess owner(String link) {
    for (ReplicatorProcess r : replicators) {
      if (r.owns(link)) {
        return r;
      }
    }
    return null;
  }

  static ReplicatorProcess standbyOf(ReplicatorProcess owner) {
    for (ReplicatorProcess r : replicators) {
      if (r != owner && r.isAlive()) {
        return r;
      }
    }
    throw new AssertionError("no standby");
  }

  static void awaitServed(Region r, String module, String version, Duration atMost) {
    await()
        .atMost(atMost)
        .pollInterval(Duration.ofMillis(200))
        .until(() -> serves(r.url(0), module, version) && serves(r.url(1), module, version));
  }

  static String eventId(ChangeEvent e) {
    return e.getOriginRegion() + "/" + e.getOriginNode() + "#" + e.getSeq();
  }

  static double regionMetric(Region r, String prefix) throws Exception {
    double sum = 0;
    for (int i = 0; i < r.nodes().size(); i++) {
      sum += metric(Http.get(r.url(i) + "/metrics").body(), prefix);
    }
    return sum;
  }

  static long tempFiles(Region r, Path regionDir) throws Exception {
    Path tmpDir = regionDir.resolve("blobs").resolve("tmp");
    if (!Files.exists(tmpDir)) {
      return 0;
    }
    try (Stream<Path> s = Files.walk(tmpDir)) {
      return s.filter(Files::isRegularFile).count();
    }
  }

  @Test
  @Order(1)
  void bothDirectionsServeIdenticalModules() throws Exception {
    String fromA = "corp.example.com/from-a";
    String h1a = publish(tmp, a.url(0), fromA, "v1.0.0");
    awaitServed(b, fromA, "v1.0.0", Duration.ofSeconds(60));
    JsonNode inB = download(tmp, b.url(1), fromA, "v1.0.0");
    JsonNode inA = download(tmp, a.url(1), fromA, "v1.0.0");
    assertThat(inB.path("Sum").asText()).isEqualTo(h1a).isEqualTo(inA.path("Sum").asText());
    assertThat(inB.path("GoModSum").asText()).isEqualTo(inA.path("GoModSum").asText());

    String fromB = "corp.example.com/from-b";
    String h1b = GoPublishing.publishWithCli(tmp, b.url(0), fromB, "v0.1.0");
    awaitServed(a, fromB, "v0.1.0", Duration.ofSeconds(60));
    JsonNode backInA = download(tmp, a.url(0), fromB, "v0.1.0");
    assertThat(backInA.path("Sum").asText())
        .isEqualTo(h1b)
        .isEqualTo(download(tmp, b.url(1), fromB, "v0.1.0").path("Sum").asText());

    // which regions hold it, and since when: asked on a node of a
    JsonNode where =
        JSON.readTree(
            Http.get(a.url(1) + "/_berth/api/where?module=" + fromA + "&version=v1.0.0").body());
    Map<String, JsonNode> byRegion = new HashMap<>();
    where.path("regions").forEach(r -> byRegion.put(r.path("region").asText(), r));
    assertThat(byRegion).containsOnlyKeys("a", "b");
    assertThat(byRegion.get("a").path("holds").asBoolean()).isTrue();
    assertThat(byRegion.get("b").path("holds").asBoolean()).isTrue();
    assertThat(byRegion.get("b").path("originRegion").asText()).isEqualTo("a");
    assertThat(byRegion.get("b").path("since").asText()).isNotEmpty();

    // berth links shows both links with their owners
    JavaProcess cli =
        JavaProcess.start(
            "io.berth.replicator.Main",
            List.of(
                "links", "--replicator", replicators.get(0).url() + "," + replicators.get(1).url()),
            Map.of(),
            List.of(),
            tmp.resolve("links-cli.log"));
    assertThat(cli.waitFor(60)).as(cli.output()).isZero();
    assertThat(cli.output())
        .contains("LINK")
        .contains(AB + "  ")
        .contains(BA + "  ")
        .contains(owner(AB).id())
        .contains("running");
    assertThat(owner(AB).metrics())
        .contains("berth_link_events_replicated_total{link=\"a->b\"}")
        .contains("berth_link_seconds_behind{link=\"a->b\"}");
  }

  @Test
  @Order(2)
  void noEventIsEchoedAndEveryEventCrossesOnce() throws Exception {
    for (int i = 0; i < 3; i++) {
      publish(tmp, a.url(i % 2), "corp.example.com/echo-a", "v1.0." + i);
      publish(tmp, b.url(i % 2), "corp.example.com/echo-b", "v1.0." + i);
    }
    awaitServed(b, "corp.example.com/echo-a", "v1.0.2", Duration.ofSeconds(60));
    awaitServed(a, "corp.example.com/echo-b", "v1.0.2", Duration.ofSeconds(60));
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () ->
                owner(AB).link(AB).path("eventsBehind").asLong() == 0
                    && owner(BA).link(BA).path("eventsBehind").asLong() == 0);
    List<ChangeEvent> inA = Topics.readAll(kafka.bootstrap(), a.topic());
    List<ChangeEvent> inB = Topics.readAll(kafka.bootstrap(), b.topic());
    Map<String, Set<String>> idsA = new HashMap<>();
    Map<String, Set<String>> idsB = new HashMap<>();
    for (ChangeEvent e : inA) {
      assertThat(idsA.computeIfAbsent(e.getOriginRegion(), k -> new HashSet<>()).add(eventId(e)))
          .as("topic a holds %s once", eventId(e))
          .isTrue();
    }
    for (ChangeEvent e : inB) {
      assertThat(idsB.computeIfAbsent(e.getOriginRegion(), k -> new HashSet<>()).add(eventId(e)))
          .as("topic b holds %s once", eventId(e))
          .isTrue();
    }
    assertThat(idsA).containsOnlyKeys("a", "b");
    assertThat(idsB).containsOnlyKeys("a", "b");
    assertThat(idsB.get("a")).as("every event of a reached b").isEqualTo(idsA.get("a"));
    assertThat(idsA.get("b")).as("every event of b reached a").isEqualTo(idsB.get("b"));
    long ownA = 0;
    for (int i = 0; i < 2; i++) {
      ownA +=
          JSON.readTree(Http.get(a.url(i) + "/_berth/api/events").body()).path("lastSeq").asLong();
    }
    assertThat((long) idsA.get("a").size()).isEqualTo(ownA);
    assertThat(owner(BA).link(BA).path("eventsSkippedEcho").asLong())
        .as("b->a saw a's events in b's topic and did not send them back")
        .isGreaterThanOrEqualTo(idsA.get("a").size() - 0L);
  }

  @Test
  @Order(3)
  void killingTheOwnerMidCopyHandsTheLinkToTheStandbyAndTheBlobArrivesOnce() throws Exception {
    String module = "corp.example.com/large";
    Path zip = GoPublishing.bigZip(tmp, module, "v1.0.0", 100L << 20);
    double storedBefore =
        regionMetric(b, "berth_replication_blobs_received_total{result=\"stored\"}");
    String h1 = GoPublishing.publishZip(a.url(0), module, "v1.0.0", zip);
    ReplicatorProcess owner = owner(AB);
    ReplicatorProcess standby = standbyOf(owner);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> copiedSoFar(owner) > 30L << 20);
    long epoch = owner.link(AB).path("epoch").asLong();
    long killedAt = System.nanoTime();
    owner.kill9();
    await()
        .atMost(Duration.ofMillis(SESSION_MS + 20_000))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> standby.owns(AB));
    long takeoverMillis = (System.nanoTime() - killedAt) / 1_000_000;
    assertThat(standby.link(AB).path("epoch").asLong()).isGreaterThan(epoch);
    awaitServed(b, module, "v1.0.0", Duration.ofSeconds(120));
    assertThat(download(tmp, b.url(1), module, "v1.0.0").path("Sum").asText())
        .as("the copy arrived verified")
        .isEqualTo(h1);
    assertThat(
            regionMetric(b, "berth_replication_blobs_received_total{result=\"stored\"}")
                - storedBefore)
        .as("info, mod and zip stored exactly once each")
        .isEqualTo(3.0);
    await().atMost(Duration.ofSeconds(30)).until(() -> tempFiles(b, tmp.resolve("region-b")) == 0);
    List<ChangeEvent> inA = Topics.readAll(kafka.bootstrap(), a.topic());
    List<ChangeEvent> inB = Topics.readAll(kafka.bootstrap(), b.topic());
    Set<String> fromA = new HashSet<>();
    inA.stream().filter(e -> e.getOriginRegion().equals("a")).forEach(e -> fromA.add(eventId(e)));
    Set<String> carried = new HashSet<>();
    inB.stream().filter(e -> e.getOriginRegion().equals("a")).forEach(e -> carried.add(eventId(e)));
    assertThat(carried).as("the counts match").isEqualTo(fromA);
    System.out.println("takeover after kill -9 took " + takeoverMillis + " ms");
    // bring the killed instance back as a standby for the next tests
    replicators.remove(owner);
    replicators.add(startReplicator(owner.id()));
  }

  static long copiedSoFar(ReplicatorProcess r) {
    try {
      long max = 0;
      for (JsonNode c : r.link(AB).path("copying")) {
        max = Math.max(max, c.path("sent").asLong());
      }
      return max;
    } catch (Exception e) {
      return 0;
    }
  }

  @Test
  @Order(4)
  void anExpiredOwnerSessionIsFencedOffAndTheLinkContinues() throws Exception {
    String module = "corp.example.com/fenced";
    Path zip = GoPublishing.bigZip(tmp, module, "v1.0.0", 60L << 20);
    double rejectedBefore =
        regionMetric(b, "berth_replication_stale_writes_rejected_total{link=\"a->b\"}");
    String h1 = GoPublishing.publishZip(a.url(1), module, "v1.0.0", zip);
    ReplicatorProcess owner = owner(AB);
    ReplicatorProcess standby = standbyOf(owner);
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(() -> copiedSoFar(owner) > 12L << 20);
    long oldEpoch = owner.link(AB).path("epoch").asLong();
    owner.pause(); // frozen mid-copy: no heartbeats, so ZooKeeper expires its session
    try {
      await()
          .atMost(Duration.ofMillis(SESSION_MS + 20_000))
          .pollInterval(Duration.ofMillis(100))
          .until(() -> standby.owns(AB));
      long newEpoch = standby.link(AB).path("epoch").asLong();
      assertThat(newEpoch).isGreaterThan(oldEpoch);
      await()
          .atMost(Duration.ofSeconds(30))
          .until(
              () ->
                  regionMetric(b, "berth_replication_stale_writes_rejected_total{link=\"a->b\"}")
                      > rejectedBefore);
      // the new owner announces its term to b's nodes one after the other: wait for both
      await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                for (int i = 0; i < 2; i++) {
                  JsonNode s = JSON.readTree(Http.get(b.url(i) + "/_berth/api/replication").body());
                  assertThat(s.path("links").path(AB).path("highestEpoch").asLong())
                      .as("b node " + i)
                      .isEqualTo(newEpoch);
                }
              });
    } finally {
      owner.resume();
    }
    // the old owner wakes up, finds its session gone and its write refused, and stands by
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> !owner.owns(AB) && owner.link(AB).path("ownerId").asText().equals(standby.id()));
    awaitServed(b, module, "v1.0.0", Duration.ofSeconds(120));
    assertThat(download(tmp, b.url(0), module, "v1.0.0").path("Sum").asText()).isEqualTo(h1);

    // any write with the old epoch is refused and counted
    double before = regionMetric(b, "berth_replication_stale_writes_rejected_total{link=\"a->b\"}");
    byte[] blob = "written by a stale owner".getBytes(StandardCharsets.UTF_8);
    String d =
        Digest.of(Digest.Algorithm.SHA256, Digest.Algorithm.SHA256.newMessageDigest().digest(blob))
            .toString();
    List<String> grpc = b.nodes().stream().map(Region.Node::grpc).toList();
    try (GrpcRegionClient stale = new GrpcRegionClient("b", grpc)) {
      assertThatThrownBy(
              () ->
                  stale.writeBlob(
                      new Fence(AB, oldEpoch), d, blob.length, new ByteArrayInputStream(blob)))
          .isInstanceOf(RegionException.StaleFence.class);
      assertThatThrownBy(() -> stale.republish(new Fence(AB, oldEpoch), List.of()))
          .isInstanceOf(RegionException.StaleFence.class);
      assertThat(stale.missing(List.of(d))).containsExactly(d);
    }
    assertThat(regionMetric(b, "berth_replication_stale_writes_rejected_total{link=\"a->b\"}"))
        .isEqualTo(before + 2);

    // the link continues under the new owner
    String after = "corp.example.com/after-expiry";
    String h1After = publish(tmp, a.url(0), after, "v1.0.0");
    awaitServed(b, after, "v1.0.0", Duration.ofSeconds(60));
    assertThat(download(tmp, b.url(1), after, "v1.0.0").path("Sum").asText()).isEqualTo(h1After);
    assertThat(standby.owns(AB)).isTrue();
  }

  @Test
  @Order(5)
  void aRegionOutageOfSixtySecondsIsCaughtUpAndTheLagDropsUnderOneSecond() throws Exception {
    String module = "corp.example.com/outage";
    b.stop();
    List<String> published = new ArrayList<>();
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    int n = 0;
    while (System.nanoTime() < until) {
      String v = "v0.0." + n;
      publish(tmp, a.url(n % 2), module, v);
      published.add(v);
      n++;
      Thread.sleep(400);
    }
    ReplicatorProcess owner = owner(AB);
    JsonNode during = owner.link(AB);
    assertThat(during.path("secondsBehind").asDouble())
        .as("b was down for a minute: the link is behind")
        .isGreaterThan(30);
    assertThat(
            during.path("failures").path("copy").asLong()
                + during.path("failures").path("republish").asLong())
        .isPositive();
    b.start();
    for (String v : published) {
      awaitServed(b, module, v, Duration.ofSeconds(180));
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> owner(AB) != null && owner(AB).link(AB).path("eventsBehind").asLong() == 0);
    List<String> listed =
        List.of(Http.get(b.url(1) + "/" + module + "/@v/list").body().split("\n"));
    assertThat(listed).containsExactlyInAnyOrderElementsOf(published);
    // fresh publishes replicate in under a second again
    int[] k = {0};
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(
            () -> {
              String v = "v1.0." + k[0]++;
              publish(tmp, a.url(0), module, v);
              awaitServed(b, module, v, Duration.ofSeconds(30));
              JsonNode l = owner(AB).link(AB);
              return l.path("lastLagMillis").asLong() < 1000
                  && l.path("secondsBehind").asDouble() < 1.0;
            });
  }
}
