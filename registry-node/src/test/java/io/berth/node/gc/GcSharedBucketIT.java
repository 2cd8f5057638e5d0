package io.berth.node.gc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.TestNodes;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * C1: two nodes of a region share one S3 bucket and elect one GC owner through ZooKeeper, but no
 * change log (Kafka) joins their indexes. A module published on node B is referenced only by B's
 * index, so node A, the GC owner, would delete its blobs (its dry run lists them). A's scheduled
 * and manual runs refuse to delete instead, say why (log, {@code berth_gc_skipped}, {@code GET
 * /_berth/api/gc/status}, the 409 text), and every blob B wrote survives and is still served.
 */
class GcSharedBucketIT {
  static final String MOD = "corp.example.com/gc/shared";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static TestingServer zk;
  static S3ProxyServer s3;
  static NodeAssembly a;
  static NodeAssembly b;

  @BeforeAll
  static void start() throws Exception {
    zk = new TestingServer(true);
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    a = new NodeAssembly(config("gc-a")).start();
    // A joins the election first, so it is the owner before B exists
    await("A owns gc")
        .atMost(Duration.ofSeconds(60))
        .until(
            () -> Http.post(TestNodes.url(a) + "/_berth/api/gc?dryRun=true").statusCode() == 200);
    b = new NodeAssembly(config("gc-b")).start();
  }

  static NodeConfig config(String id) {
    NodeConfig c = TestNodes.config(tmp.resolve(id));
    return new NodeConfig(
        new NodeConfig.NodeSection(id, "eu"),
        c.http(),
        c.storage()
            .withS3(s3.config("shared-gc"))
            // scheduled every minute, grace 0: without the safety rule it would sweep at once
            .withGc(new NodeConfig.GcSection(true, 1L, 0L, 0L, false)),
        TestNodes.go("off", List.of("corp.example.com"), 60),
        c.sumdb(),
        c.oci(),
        new NodeConfig.ClusterSection(zk.getConnectString(), "", 10_000));
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable x : new AutoCloseable[] {b, a, s3, zk}) {
      if (x != null) {
        x.close();
      }
    }
  }

  @Test
  void theOwnerRefusesToDeleteBlobsOnlyTheOtherNodesIndexNames() throws Exception {
    String urlA = TestNodes.url(a);
    String urlB = TestNodes.url(b);
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            MOD,
            "v1.0.0",
            Map.of("go.mod", "module " + MOD + "\n", "s.go", "package shared\n"));
    String versionPath = "/" + ModulePath.escape(MOD) + "/@v/v1.0.0";
    assertThat(
            Http.putFile(urlB + "/_berth/api/go/publish" + versionPath + ".zip", zip).statusCode())
        .isEqualTo(201);
    List<Digest> written = new ArrayList<>();
    b.rawBlobStore().forEach(blob -> written.add(blob.digest()));
    assertThat(written).as("B's zip, mod and info in the bucket").hasSize(3);

    // the danger: A's index does not know them, so a sweep by A would delete all three
    JsonNode dry = JSON.readTree(Http.post(urlA + "/_berth/api/gc?dryRun=true").body());
    List<String> wouldDelete = new ArrayList<>();
    dry.get("deleted").forEach(d -> wouldDelete.add(d.get("digest").asText()));
    assertThat(wouldDelete)
        .as("A's dry run")
        .containsAll(written.stream().map(Digest::toString).toList());

    // the schedule (every minute on the owner) skips and reports why
    await("a scheduled run on A is skipped")
        .atMost(Duration.ofMinutes(3))
        .until(() -> !JSON.readTree(status(urlA).body()).get("lastSkipped").isNull());
    JsonNode st = JSON.readTree(status(urlA).body());
    assertThat(st.get("safe").asBoolean()).isFalse();
    assertThat(st.get("unsafeReason").asText()).contains("events.kafkaBootstrap");
    assertThat(st.at("/lastSkipped/code").asText()).isEqualTo("no_change_log");
    assertThat(Http.get(urlA + "/metrics").body())
        .contains("berth_gc_skipped_total{reason=\"no_change_log\"");

    // a manual run on the owner is refused too, with the reason; on B it is owned elsewhere
    HttpResponse<String> real = Http.post(urlA + "/_berth/api/gc");
    assertThat(real.statusCode()).isEqualTo(409);
    assertThat(real.body())
        .contains("refused")
        .contains("bucket shared-gc")
        .contains("events.kafkaBootstrap")
        .contains("nothing was deleted");
    HttpResponse<String> onB = Http.post(urlB + "/_berth/api/gc");
    assertThat(onB.statusCode()).isEqualTo(409);
    assertThat(onB.body()).contains("ZooKeeper leader of /leaders/eu/gc");

    for (Digest d : written) {
      assertThat(b.rawBlobStore().stat(d)).as("blob " + d + " survives").isPresent();
    }
    assertThat(Http.getBytes(urlB + versionPath + ".zip").statusCode()).isEqualTo(200);
  }

  private static HttpResponse<String> status(String url) throws Exception {
    HttpResponse<String> r = Http.get(url + GcStatusHandler.PATH);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r;
  }
}
