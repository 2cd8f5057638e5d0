package io.berth.it.replication;

import static io.berth.it.support.GoPublishing.download;
import static io.berth.it.support.GoPublishing.publish;
import static io.berth.it.support.GoPublishing.publishUrl;
import static io.berth.it.support.GoPublishing.serves;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.it.support.DumpLogsOnFailure;
import io.berth.it.support.Region;
import io.berth.it.support.ReplicatorProcess;
import io.berth.it.support.ReplicatorProcess.LinkSpec;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.JavaProcess;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.Skopeo;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A DR replica region ({@code node.mode: replica}) fed by a mirror link from a primary region:
 * replicated changes apply, client writes are refused (GOPROXY publish: 403 text; OCI pushes and
 * deletes, with skopeo too: 403 DENIED JSON) until {@code berth promote} records the promotion in
 * ZooKeeper; a second promotion of the same failover is refused.
 */
class ReplicaModeIT {
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir static Path tmp;

  @RegisterExtension static final DumpLogsOnFailure logs = new DumpLogsOnFailure(() -> tmp);

  static TestingServer zk;
  static KafkaBroker kafka;
  static Region primary;
  static Region replica;
  static ReplicatorProcess replicator;
  static Skopeo skopeo;

  @BeforeAll
  static void start() throws Exception {
    GoTool.requireGo();
    Skopeo.require();
    skopeo = new Skopeo(java.nio.file.Files.createDirectories(tmp.resolve("skopeo")));
    zk = new TestingServer(true);
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
    primary = Region.create("p", 3, 1, tmp.resolve("p"), kafka.bootstrap());
    replica =
        Region.create("dr", 4, 1, tmp.resolve("dr"), kafka.bootstrap())
            .env("BERTH_NODE_MODE", "replica")
            .env("BERTH_CLUSTER_ZOOKEEPER", zk.getConnectString());
    primary.start();
    replica.start();
    replicator =
        ReplicatorProcess.start(
            "r",
            tmp.resolve("replicator"),
            zk.getConnectString(),
            5000,
            kafka.bootstrap(),
            List.of(primary, replica),
            List.of(LinkSpec.mirror(primary, replica)));
  }

  @AfterAll
  static void stop() throws Exception {
    if (replicator != null) {
      replicator.close();
    }
    for (Region r : new Region[] {primary, replica}) {
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

  static HttpResponse<String> tryPublish(String module, String version) throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            module,
            version,
            Map.of("go.mod", "module " + module + "\n", "a.go", "package a\n"));
    return Http.putFile(publishUrl(replica.url(0), module, version), zip);
  }

  static JavaProcess berth(String log, String... args) throws Exception {
    JavaProcess p =
        JavaProcess.start(
            "io.berth.node.Main", List.of(args), Map.of(), List.of(), tmp.resolve(log));
    assertThat(p.waitFor(120)).as(p.output()).isNotEqualTo(-1);
    return p;
  }

  static String registry(Region r) {
    return r.nodes().get(0).host() + ":" + r.nodes().get(0).httpPort();
  }

  static Path layout(String name, long seed) throws Exception {
    OciImages.Image img = OciImages.image(false, "amd64", 2, 50_000, seed);
    Path dir = tmp.resolve(name);
    OciImages.writeLayout(dir, img.blobs(), img.manifest(), "v1");
    return dir;
  }

  static void assertDenied(OciClient.Response r) {
    assertThat(r.status()).as(r.toString()).isEqualTo(403);
    assertThat(r.header("Content-Type")).startsWith("application/json");
    assertThat(r.errorCode()).isEqualTo("DENIED");
    assertThat(r.json().path("errors").path(0).path("message").asText())
        .contains("read-only DR replica")
        .contains("berth promote --region dr");
  }

  @Test
  void aReplicaServesReplicatedChangesRefusesWritesUntilPromotedOncePerFailover() throws Exception {
    // an image pushed in the primary is served by the replica
    skopeo.push(layout("primary-img", 5), "v1", registry(primary), "dr/img");
    OciClient dr = new OciClient(replica.url(0));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> dr.head("/v2/dr/img/manifests/v1").status() == 200);
    skopeo.pull(registry(replica), "dr/img", "v1", tmp.resolve("pulled-from-replica"));

    // OCI writes and deletes on the replica are refused with DENIED JSON
    assertDenied(dr.send("POST", "/v2/dr/local/blobs/uploads/", null, Map.of()));
    assertDenied(
        dr.putManifest("dr/img", "v2", OciImages.OCI_MANIFEST, "{\"schemaVersion\":2}".getBytes()));
    assertDenied(dr.delete("/v2/dr/img/manifests/v1"));
    assertThat(dr.head("/v2/dr/img/manifests/v1").status()).as("still served").isEqualTo(200);
    Skopeo.Result refusedPush =
        skopeo.run(
            "copy",
            "--dest-tls-verify=false",
            "oci:" + layout("replica-img", 6) + ":v1",
            "docker://" + registry(replica) + "/dr/local:v1");
    assertThat(refusedPush.code()).isNotZero();
    assertThat(refusedPush.err()).containsIgnoringCase("denied");

    // replicated changes apply on the replica
    String h1 = publish(tmp, primary.url(0), "corp.example.com/dr/app", "v1.0.0");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> serves(replica.url(0), "corp.example.com/dr/app", "v1.0.0"));
    assertThat(
            download(tmp, replica.url(0), "corp.example.com/dr/app", "v1.0.0").path("Sum").asText())
        .isEqualTo(h1);

    // client writes are refused with a clear text error
    HttpResponse<String> refused = tryPublish("corp.example.com/dr/local", "v1.0.0");
    assertThat(refused.statusCode()).isEqualTo(403);
    assertThat(refused.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
    assertThat(refused.body())
        .contains("read-only DR replica")
        .contains("berth promote --region dr");
    JsonNode status = JSON.readTree(Http.get(replica.url(0) + "/_berth/api/replication").body());
    assertThat(status.path("mode").asText()).isEqualTo("replica");
    assertThat(status.path("acceptsClientWrites").asBoolean()).isFalse();

    // berth promote records the promotion; the node takes writes
    JavaProcess promote =
        berth("promote1.log", "promote", "--region", "dr", "--zookeeper", zk.getConnectString());
    assertThat(promote.waitFor(1)).as(promote.output()).isZero();
    assertThat(promote.output()).contains("region dr promoted (failover 1)");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> tryPublish("corp.example.com/dr/local", "v1.0.0").statusCode() == 201);
    skopeo.push(layout("promoted-img", 7), "v1", registry(replica), "dr/local");
    assertThat(dr.head("/v2/dr/local/manifests/v1").status()).isEqualTo(200);
    assertThat(dr.delete("/v2/dr/img/manifests/v1").status()).isEqualTo(202);
    assertThat(
            JSON.readTree(Http.get(replica.url(0) + "/_berth/api/replication").body())
                .path("promotion")
                .path("failover")
                .asLong())
        .isEqualTo(1);

    // a second promotion of the same failover is refused
    JavaProcess again =
        berth("promote2.log", "promote", "--region", "dr", "--zookeeper", zk.getConnectString());
    assertThat(again.waitFor(1)).isEqualTo(2);
    assertThat(again.output())
        .contains("berth: region dr is already promoted (failover 1")
        .contains("promoted once per failover");

    // demote: read-only again; the next promotion is a new failover
    JavaProcess demote =
        berth("demote.log", "demote", "--region", "dr", "--zookeeper", zk.getConnectString());
    assertThat(demote.waitFor(1)).as(demote.output()).isZero();
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> tryPublish("corp.example.com/dr/local", "v1.1.0").statusCode() == 403);
    JavaProcess next =
        berth("promote3.log", "promote", "--region", "dr", "--zookeeper", zk.getConnectString());
    assertThat(next.waitFor(1)).as(next.output()).isZero();
    assertThat(next.output()).contains("(failover 2)");
  }
}
