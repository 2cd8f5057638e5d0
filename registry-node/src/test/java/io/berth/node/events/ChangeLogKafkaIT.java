package io.berth.node.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.events.kafka.KafkaTopics;
import io.berth.node.index.rocksdb.RocksChangeLog;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.IndexDump;
import io.berth.node.testsupport.JavaProcess;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.NodeProcess;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.RegionNodes;
import io.berth.node.testsupport.Skopeo;
import io.berth.node.testsupport.TestNodes;
import io.berth.node.testsupport.TopicReader;
import io.berth.proto.events.v1.ChangeEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * A region of several nodes sharing one blob directory and one Kafka topic on a real KRaft broker
 * (one broker for the class; nodes A and B are shared by the ordered tests, and B only ever reads,
 * so every event B applies comes from A): real clients push and publish on A and pull from B; a 30
 * s Kafka outage during continuous writes loses nothing and applies nothing twice; an empty node
 * replays the topic into an identical index and is not ready before; a read that misses on a node
 * behind the log waits for it (bounded); conflicting Go versions are recorded, never applied; a
 * crash between commit and publish publishes each event exactly once.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ChangeLogKafkaIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static KafkaBroker kafka;
  static Path blobs;
  static NodeAssembly a;
  static NodeAssembly b;
  static Skopeo skopeo;
  static int images;

  /** The region's default topic name, {@code berth.eu.changes}. */
  static final String TOPIC = "berth.eu.changes";

  @BeforeAll
  static void start() throws Exception {
    Skopeo.require();
    GoTool.requireGo();
    skopeo = new Skopeo(tmp.resolve("skopeo"));
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
    blobs = tmp.resolve("shared-blobs");
    a = new NodeAssembly(config("a", "", 0, 0, 1_000)).start();
    b = new NodeAssembly(config("b", "", 0, 0, 1_000)).start();
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {b, a, kafka}) {
      if (c != null) {
        c.close();
      }
    }
  }

  static NodeConfig config(String id, String topic, long relayDelay, long applyDelay, long ryw) {
    return RegionNodes.config(
        tmp,
        id,
        "eu",
        blobs,
        RegionNodes.events(kafka.bootstrap(), topic, relayDelay, applyDelay, ryw));
  }

  static String registry(NodeAssembly n) {
    return "127.0.0.1:" + n.port();
  }

  static double applied(NodeAssembly node, String result) {
    return node.metrics().get("berth_events_applied").tag("result", result).counter().count();
  }

  static boolean drained(NodeAssembly n) {
    return n.changeLog().publishedSeq() == n.changeLog().lastSeq();
  }

  static int ready(NodeAssembly n) throws Exception {
    return Http.get(TestNodes.url(n) + "/readyz").statusCode();
  }

  static void publish(NodeAssembly node, String module, String version, String content)
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
  }

  static Image push(OciClient oci, String repo, String tag, long seed) {
    Image img = OciImages.image(false, "amd64", 2, 2_000, seed);
    for (Blob blob : img.blobs()) {
      oci.pushBlob(repo, blob.bytes());
    }
    OciClient.Response r =
        oci.putManifest(repo, tag, img.manifest().mediaType(), img.manifest().bytes());
    assertThat(r.status()).as(r.text()).isEqualTo(201);
    return img;
  }

  /** An OCI layout with a fresh image, copied by skopeo into {@code node}. */
  static Image skopeoPush(NodeAssembly node, String repoAndTag) throws Exception {
    Image img = OciImages.image(false, "amd64", 3, 50_000, 100 + images++);
    Path layout = tmp.resolve("layout-" + images);
    OciImages.writeLayout(layout, img.blobs(), img.manifest(), "t");
    skopeo.ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":t",
        "docker://" + registry(node) + "/" + repoAndTag);
    return img;
  }

  @Test
  @Order(1)
  void realClientsPushAndPublishOnAAndPullFromB() throws Exception {
    Image v1 = skopeoPush(a, "team/app:v1");
    Path mod = tmp.resolve("mod-src");
    Files.createDirectories(mod);
    Files.writeString(mod.resolve("go.mod"), "module corp.example.com/shared/lib\n\ngo 1.19\n");
    Files.writeString(mod.resolve("lib.go"), "package lib\n\nfunc Answer() int { return 42 }\n");
    JavaProcess cli =
        JavaProcess.start(
            "io.berth.node.Main",
            List.of(
                "go",
                "publish",
                mod.toString(),
                "corp.example.com/shared/lib@v1.0.0",
                "--registry",
                TestNodes.url(a)),
            Map.of(),
            List.of(),
            tmp.resolve("publish.log"));
    assertThat(cli.waitFor(120)).as(cli.output()).isZero();

    OciClient onB = new OciClient(TestNodes.url(b));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                onB.head("/v2/team/app/manifests/v1").status() == 200
                    && Http.get(TestNodes.url(b) + "/corp.example.com/shared/lib/@v/list")
                        .body()
                        .contains("v1.0.0"));

    Path out = tmp.resolve("pulled-from-b");
    skopeo.ok(
        "copy",
        "--src-tls-verify=false",
        "docker://" + registry(b) + "/team/app:v1",
        "oci:" + out + ":v1");
    Map<String, byte[]> pulled = Skopeo.layoutBlobs(out);
    assertThat(pulled).containsKey(v1.manifest().digest().hex());
    for (Blob blob : v1.blobs()) {
      assertThat(pulled.get(blob.digest().hex()))
          .as(blob.digest().toString())
          .isEqualTo(blob.bytes());
    }

    GoTool go =
        new GoTool(tmp.resolve("go-b"))
            .env("GOPROXY", TestNodes.url(b))
            .env("GONOSUMDB", "corp.example.com");
    GoTool.Result r = go.run(tmp, "mod", "download", "-json", "corp.example.com/shared/lib@v1.0.0");
    assertThat(r.ok()).as("B serves what A published: " + r.stderr()).isTrue();
    assertThat(r.stdout())
        .contains(
            a.moduleIndex()
                .get(ModulePath.of("corp.example.com/shared/lib"), "v1.0.0")
                .orElseThrow()
                .getZipH1());

    // retag and delete on A (real client), B follows
    Image v2 = skopeoPush(a, "team/app:v2");
    skopeo.ok(
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "docker://" + registry(a) + "/team/app:v1",
        "docker://" + registry(a) + "/team/app:stable");
    skopeo.ok(
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "docker://" + registry(a) + "/team/app:v2",
        "docker://" + registry(a) + "/team/app:stable");
    skopeo.ok("delete", "--tls-verify=false", "docker://" + registry(a) + "/team/app:v1");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> drained(a) && IndexDump.of(b).equals(IndexDump.of(a)));
    Skopeo.Result gone =
        skopeo.run(
            "inspect", "--raw", "--tls-verify=false", "docker://" + registry(b) + "/team/app:v1");
    assertThat(gone.code()).as("the deleted manifest is gone on B too").isNotZero();
    JsonNode stable =
        JSON.readTree(
            skopeo
                .ok("inspect", "--tls-verify=false", "docker://" + registry(b) + "/team/app:stable")
                .out());
    assertThat(stable.get("Digest").asText()).isEqualTo(v2.manifest().digest().toString());
    assertThat(onB.head("/v2/team/app/manifests/" + v1.manifest().digest()).status())
        .isEqualTo(404);
    assertThat(applied(b, "applied")).isEqualTo(a.changeLog().lastSeq());
  }

  @Test
  @Order(2)
  void theTopicIsCreatedWithTheRecommendedSettingsAndDeviationsAreReported() throws Exception {
    Properties p = new Properties();
    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrap());
    try (Admin admin = Admin.create(p)) {
      ConfigResource res = new ConfigResource(ConfigResource.Type.TOPIC, TOPIC);
      Config cfg = admin.describeConfigs(List.of(res)).all().get(30, TimeUnit.SECONDS).get(res);
      assertThat(cfg.get("cleanup.policy").value()).isEqualTo("delete");
      assertThat(cfg.get("retention.ms").value()).isEqualTo("-1");
      assertThat(cfg.get("retention.bytes").value()).isEqualTo("-1");
      assertThat(cfg.get("min.insync.replicas").value()).isEqualTo("1");
      assertThat(cfg.get("unclean.leader.election.enable").value()).isEqualTo("false");
      assertThat(
              admin
                  .describeTopics(List.of(TOPIC))
                  .allTopicNames()
                  .get(30, TimeUnit.SECONDS)
                  .get(TOPIC)
                  .partitions())
          .hasSize(3);
      assertThat(KafkaTopics.deviations(admin, TOPIC, 1)).isEmpty();

      admin
          .createTopics(
              List.of(
                  new NewTopic("berth.eu.compacted", 1, (short) 1)
                      .configs(Map.of("cleanup.policy", "compact", "retention.ms", "3600000"))))
          .all()
          .get(30, TimeUnit.SECONDS);
      assertThat(KafkaTopics.deviations(admin, "berth.eu.compacted", 2))
          .anyMatch(w -> w.startsWith("cleanup.policy=compact"))
          .anyMatch(w -> w.startsWith("retention.ms=3600000"))
          .anyMatch(w -> w.startsWith("min.insync.replicas=1"))
          .anyMatch(w -> w.startsWith("replication factor 1"));
    }
  }

  @Test
  @Order(3)
  void aThirtySecondKafkaOutageDuringContinuousWritesLosesNothingAndAppliesNothingTwice()
      throws Exception {
    OciClient onA = new OciClient(TestNodes.url(a));
    kafka.stop();
    try (NodeAssembly c = new NodeAssembly(config("c", "", 0, 0, 1_000)).start()) {
      assertThat(ready(c))
          .as("an empty node is not ready while it cannot read the log")
          .isEqualTo(503);
      long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      int n = 0;
      while (System.nanoTime() < until) {
        push(onA, "outage/app", "o" + n, 1_000 + n);
        publish(a, "corp.example.com/outage", "v0.0." + n, "n" + n);
        n++;
        Thread.sleep(200);
      }
      assertThat(n).isGreaterThan(10);
      long backlog = a.changeLog().lastSeq() - a.changeLog().publishedSeq();
      assertThat(backlog).as("backlog while Kafka is down").isGreaterThanOrEqualTo(n * 5L);
      assertThat(a.metrics().get("berth_outbox_backlog").gauge().value())
          .as("the backlog is exported")
          .isEqualTo((double) backlog);
      assertThat(Http.get(TestNodes.url(a) + "/metrics").body()).contains("berth_outbox_backlog");
      assertThat(ready(c)).isEqualTo(503);
      kafka.restart();

      int written = n;
      await()
          .atMost(Duration.ofSeconds(120))
          .until(
              () ->
                  drained(a)
                      && IndexDump.of(b, "go corp.example.com/outage@").size() == written
                      && IndexDump.of(b, "tag outage/app:").size() == written);
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> IndexDump.of(b).equals(IndexDump.of(a)) && ready(c) == 200);
      await().atMost(Duration.ofSeconds(60)).until(() -> IndexDump.of(c).equals(IndexDump.of(a)));
      assertThat(IndexDump.of(b)).isEqualTo(IndexDump.of(a));

      long events = a.changeLog().lastSeq();
      assertThat(applied(b, "applied"))
          .as("every event of A applied on B exactly once")
          .isEqualTo(events);
      assertThat(applied(c, "applied")).isEqualTo(events);
      assertThat(c.changeLog().lastSeq()).as("applying writes no events of its own").isZero();

      List<ChangeEvent> topic = TopicReader.readAll(kafka.bootstrap(), TOPIC);
      Set<Long> seqs = new HashSet<>();
      for (ChangeEvent e : topic) {
        assertThat(e.getOriginNode()).isEqualTo("a");
        seqs.add(e.getSeq());
      }
      assertThat(seqs).as("every event of A is in the topic").hasSize((int) events);
      assertThat(seqs)
          .isEqualTo(
              LongStream.rangeClosed(1, events)
                  .boxed()
                  .collect(java.util.stream.Collectors.toSet()));
      System.out.printf(
          "outage: %d writes, %d events, %d records in the topic, duplicates absorbed: B %.0f, C"
              + " %.0f%n",
          written, events, topic.size(), applied(b, "duplicate"), applied(c, "duplicate"));
    }
  }

  @Test
  @Order(4)
  void anEmptyNodeReplaysTheTopicIntoTheSameIndexAndIsNotReadyBefore() throws Exception {
    try (NodeAssembly d = new NodeAssembly(config("d", "", 0, 2_000, 1_000)).start()) {
      assertThat(ready(d)).as("not ready before it caught up").isEqualTo(503);
      Thread.sleep(500);
      assertThat(ready(d)).isEqualTo(503);
      await().atMost(Duration.ofSeconds(120)).until(() -> ready(d) == 200);
      assertThat(IndexDump.of(d))
          .as("ready means caught up: the index is complete")
          .isEqualTo(IndexDump.of(a));
      assertThat(applied(d, "applied")).isEqualTo(a.changeLog().lastSeq());
      JsonNode status = JSON.readTree(Http.get(TestNodes.url(d) + "/_berth/api/events").body());
      assertThat(status.get("caughtUp").asBoolean()).isTrue();
      assertThat(status.get("lastSeq").asLong()).isZero();
    }
  }

  @Test
  @Order(5)
  void aReadThatMissesOnANodeBehindTheLogWaitsForItBounded() throws Exception {
    String topic = "berth.eu.changes.ryw";
    try (NodeAssembly w = new NodeAssembly(config("w", topic, 0, 0, 1_000)).start();
        NodeAssembly slow = new NodeAssembly(config("r1", topic, 0, 10_000, 60_000)).start();
        NodeAssembly impatient = new NodeAssembly(config("r2", topic, 0, 45_000, 300)).start()) {
      await()
          .atMost(Duration.ofSeconds(120))
          .until(() -> ready(w) == 200 && ready(slow) == 200 && ready(impatient) == 200);
      Image img = push(new OciClient(TestNodes.url(w)), "ryw/app", "fresh", 77);
      await().atMost(Duration.ofSeconds(30)).until(() -> drained(w));
      long t0 = System.nanoTime();
      OciClient.Response r = new OciClient(TestNodes.url(slow)).get("/v2/ryw/app/manifests/fresh");
      long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(r.status()).as("waited %d ms", waited).isEqualTo(200);
      assertThat(r.body()).isEqualTo(img.manifest().bytes());
      assertThat(
              slow.metrics()
                  .get("berth_read_your_writes_wait")
                  .tag("outcome", "caught_up")
                  .timer()
                  .count())
          .isEqualTo(1);

      t0 = System.nanoTime();
      OciClient.Response miss =
          new OciClient(TestNodes.url(impatient)).get("/v2/ryw/app/manifests/fresh");
      long gaveUp = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertThat(miss.status()).isEqualTo(404);
      assertThat(miss.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
      assertThat(gaveUp).as("the wait is bounded (300 ms, applier 45 s behind)").isLessThan(10_000);
      assertThat(
              impatient
                  .metrics()
                  .get("berth_read_your_writes_wait")
                  .tag("outcome", "timed_out")
                  .timer()
                  .count())
          .isEqualTo(1);

      OciClient.Response unknown =
          new OciClient(TestNodes.url(slow)).get("/v2/ryw/app/manifests/never-pushed");
      assertThat(unknown.status()).as("a tag nobody wrote is still 404").isEqualTo(404);
    }
  }

  @Test
  @Order(6)
  void conflictingGoVersionsAreRecordedNotAppliedAndVisibleInMetricsLogsAndTheApi()
      throws Exception {
    Logger logger = (Logger) LoggerFactory.getLogger(RocksChangeLog.class);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    logger.addAppender(logs);
    String topic = "berth.eu.changes.conflict";
    // both relays hold their batches for a while, so both nodes store their own v1.0.0 before
    // either sees the other's event (a true race, made deterministic)
    NodeAssembly ca = new NodeAssembly(config("ca", topic, 3_000, 0, 1_000)).start();
    NodeAssembly cb = new NodeAssembly(config("cb", topic, 3_000, 0, 1_000)).start();
    try {
      publish(ca, "corp.example.com/race", "v1.0.0", "from A");
      publish(cb, "corp.example.com/race", "v1.0.0", "from B");
      NodeAssembly fa = ca;
      NodeAssembly fb = cb;
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> fa.changeLog().conflicts() == 1 && fb.changeLog().conflicts() == 1);
      ModulePath m = ModulePath.of("corp.example.com/race");
      String h1A = ca.moduleIndex().get(m, "v1.0.0").orElseThrow().getZipH1();
      String h1B = cb.moduleIndex().get(m, "v1.0.0").orElseThrow().getZipH1();
      assertThat(h1A).as("a version once served never changes").isNotEqualTo(h1B);
      assertThat(Http.get(TestNodes.url(ca) + "/metrics").body())
          .contains("berth_events_conflicts 1.0");
      assertThat(applied(ca, "conflict")).isEqualTo(1);
      assertThat(logs.list)
          .anyMatch(
              e ->
                  e.getFormattedMessage().contains("change conflict")
                      && e.getFormattedMessage().contains("corp.example.com/race@v1.0.0"));
      assertThat(Http.get(TestNodes.url(ca) + "/_berth/api/events").body())
          .contains("corp.example.com/race@v1.0.0");

      // the record survives a restart and names both contents
      cb.close();
      cb = new NodeAssembly(config("cb", topic, 0, 0, 1_000)).start();
      JsonNode api = JSON.readTree(Http.get(TestNodes.url(cb) + "/_berth/api/conflicts").body());
      assertThat(api.get("count").asLong()).isEqualTo(1);
      JsonNode c = api.get("conflicts").get(0);
      assertThat(c.get("key").asText()).isEqualTo("go:corp.example.com/race@v1.0.0");
      assertThat(c.get("originNode").asText()).isEqualTo("ca");
      assertThat(c.get("field").asText()).isEqualTo("zip_h1");
      assertThat(c.get("local").asText()).isEqualTo(h1B);
      assertThat(c.get("remote").asText()).isEqualTo(h1A);
      assertThat(Http.get(TestNodes.url(cb) + "/_berth/api/conflicts?limit=0").statusCode())
          .isEqualTo(400);
    } finally {
      logger.detachAppender(logs);
      cb.close();
      ca.close();
    }
  }

  @Test
  @Order(7)
  void aCrashBetweenCommitAndPublishPublishesEachEventExactlyOnce() throws Exception {
    String topic = "berth.eu.changes.crash";
    try (NodeAssembly xb = new NodeAssembly(config("xb", topic, 0, 0, 1_000)).start()) {
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
      Map<String, String> slow = new HashMap<>(env);
      slow.put("BERTH_EVENTS_RELAY_DELAY_MILLIS", "600000");
      long committed;
      NodeProcess xa = NodeProcess.start(dataA, slow, tmp.resolve("xa.log"));
      try {
        Path zip =
            GoModules.zip(
                tmp.resolve("xz"),
                "corp.example.com/crash",
                "v1.0.0",
                Map.of("go.mod", "module corp.example.com/crash\n"));
        var r =
            Http.putFile(
                xa.url() + "/_berth/api/go/publish/corp.example.com/crash/@v/v1.0.0.zip", zip);
        assertThat(r.statusCode()).isEqualTo(201);
        push(new OciClient(xa.url()), "crash/app", "v1", 5);
        JsonNode status = JSON.readTree(Http.get(xa.url() + "/_berth/api/events").body());
        committed = status.get("lastSeq").asLong();
        assertThat(committed)
            .as("the Go version, the image's blob links, manifest and tag")
            .isGreaterThanOrEqualTo(5);
        assertThat(status.get("publishedSeq").asLong())
            .as("committed and acknowledged, not yet published")
            .isZero();
        xa.kill9();
      } finally {
        xa.close();
      }
      assertThat(TopicReader.readAll(kafka.bootstrap(), topic))
          .as("the crash hit the window: nothing reached the topic")
          .isEmpty();
      assertThat(IndexDump.of(xb)).isEmpty();

      NodeProcess again = NodeProcess.start(dataA, env, tmp.resolve("xa2.log"));
      try {
        await()
            .atMost(Duration.ofSeconds(60))
            .until(
                () ->
                    JSON.readTree(Http.get(again.url() + "/_berth/api/events").body())
                            .get("publishedSeq")
                            .asLong()
                        == committed);
        await().atMost(Duration.ofSeconds(60)).until(() -> applied(xb, "applied") == committed);
        List<ChangeEvent> inTopic = TopicReader.readAll(kafka.bootstrap(), topic);
        List<Long> seqs = new ArrayList<>();
        for (ChangeEvent e : inTopic) {
          assertThat(e.getOriginNode()).isEqualTo("xa");
          seqs.add(e.getSeq());
        }
        assertThat(seqs)
            .as("each committed event is in the topic exactly once")
            .containsExactlyInAnyOrderElementsOf(
                LongStream.rangeClosed(1, committed).boxed().toList());
        assertThat(applied(xb, "duplicate")).isZero();
        assertThat(IndexDump.of(xb, "go ")).containsKey("go corp.example.com/crash@v1.0.0");
        assertThat(IndexDump.of(xb, "tag ")).containsKey("tag crash/app:v1");
      } finally {
        again.stop();
      }
    }
  }

  @Test
  @Order(8)
  void aMalformedEventInTheTopicIsSkippedAndTheNodeKeepsApplyingAndServing() throws Exception {
    String topic = "berth.eu.changes.poison";
    try (NodeAssembly pa = new NodeAssembly(config("pa", topic, 0, 0, 1_000)).start();
        NodeAssembly pb = new NodeAssembly(config("pb", topic, 0, 0, 1_000)).start()) {
      // a tag event with a digest that is not one, written straight to the region topic as a
      // faulty node or a client with write access to the topic could
      ChangeEvent poison =
          ChangeEvent.newBuilder()
              .setSchema(1)
              .setOriginRegion("eu")
              .setOriginNode("intruder")
              .setOriginIncarnation("x")
              .setSeq(1)
              .setHlc(
                  io.berth.proto.events.v1.Hlc.newBuilder()
                      .setWallMillis(System.currentTimeMillis()))
              .setKey("oci:poison/app:v1")
              .setTagSet(
                  io.berth.proto.events.v1.TagSet.newBuilder()
                      .setRepository("poison/app")
                      .setTag("v1")
                      .setDigest("sha256:zz"))
              .build();
      Properties p = new Properties();
      p.put("bootstrap.servers", kafka.bootstrap());
      try (var producer =
          new org.apache.kafka.clients.producer.KafkaProducer<String, byte[]>(
              p,
              new org.apache.kafka.common.serialization.StringSerializer(),
              new org.apache.kafka.common.serialization.ByteArraySerializer())) {
        producer
            .send(
                new org.apache.kafka.clients.producer.ProducerRecord<>(
                    topic, poison.getKey(), poison.toByteArray()))
            .get(30, TimeUnit.SECONDS);
      }
      await().atMost(Duration.ofSeconds(60)).until(() -> applied(pa, "invalid") == 1);
      // the applier goes on: a version published on pb after the poison is served by pa
      publish(pb, "corp.example.com/after-poison", "v1.0.0", "after");
      await()
          .atMost(Duration.ofSeconds(60))
          .until(
              () ->
                  Http.get(TestNodes.url(pa) + "/corp.example.com/after-poison/@v/list")
                      .body()
                      .contains("v1.0.0"));
      assertThat(ready(pa)).isEqualTo(200);
      OciClient.Response tag = new OciClient(TestNodes.url(pa)).get("/v2/poison/app/manifests/v1");
      assertThat(tag.status()).as("the malformed tag was never applied").isEqualTo(404);
      assertThat(tag.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
      assertThat(applied(pb, "invalid")).as("every node of the region skips it").isEqualTo(1);
      assertThat(Http.get(TestNodes.url(pa) + "/metrics").body())
          .containsPattern("berth_events_applied_total\\{result=\"invalid\",?\\} 1\\.0");
    }
  }
}
