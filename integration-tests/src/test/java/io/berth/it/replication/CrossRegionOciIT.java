package io.berth.it.replication;

import static io.berth.it.support.GoPublishing.metric;
import static io.berth.it.support.TwoRegions.CROSS;
import static io.berth.it.support.TwoRegions.awaitServed;
import static io.berth.it.support.TwoRegions.host;
import static io.berth.it.support.TwoRegions.push;
import static io.berth.it.support.TwoRegions.served;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.it.support.DumpLogsOnFailure;
import io.berth.it.support.Region;
import io.berth.it.support.ReplicatorProcess.LinkSpec;
import io.berth.it.support.TwoRegions;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.Skopeo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * OCI images across regions, each region on its own bucket of a real S3-compatible server
 * (S3Proxy): region a (one node on 127.0.5.1) and region b (two nodes on 127.0.6.x), one topic per
 * region on a real KRaft broker, a real ZooKeeper and one replicator process owning a->b and b->a.
 * Images are pushed and pulled with the real {@code skopeo}; deletes, retags and racing tag writes
 * go through the OCI API.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrossRegionOciIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String BUCKET_A = "berth-region-a";
  static final String BUCKET_B = "berth-region-b";

  @TempDir static Path tmp;

  @RegisterExtension static final DumpLogsOnFailure logs = new DumpLogsOnFailure(() -> tmp);

  static TwoRegions cluster;
  static S3ProxyServer s3;
  static Region a;
  static Region b;
  static Skopeo skopeo;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = TwoRegions.start(tmp);
    skopeo = cluster.skopeo();
    s3 = cluster.server(S3ProxyServer.start(tmp.resolve("s3")));
    a =
        Region.create("a", 5, 1, tmp.resolve("region-a"), cluster.kafkaBootstrap())
            .s3(s3.endpoint(), BUCKET_A, S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
    b =
        Region.create("b", 6, 2, tmp.resolve("region-b"), cluster.kafkaBootstrap())
            .s3(s3.endpoint(), BUCKET_B, S3ProxyServer.ACCESS_KEY, S3ProxyServer.SECRET_KEY);
    a.peers(b);
    b.peers(a);
    cluster.startRegions(a, b);
    cluster.startReplicator(List.of(LinkSpec.mirror(a, b), LinkSpec.mirror(b, a)));
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  static Map<String, JsonNode> where(Region asked, String query) throws Exception {
    JsonNode answer = JSON.readTree(Http.get(asked.url(0) + "/_berth/api/where?" + query).body());
    Map<String, JsonNode> byRegion = new HashMap<>();
    answer.path("regions").forEach(n -> byRegion.put(n.path("region").asText(), n));
    return byRegion;
  }

  static Map<String, byte[]> blobsOf(List<Blob> blobs) {
    Map<String, byte[]> out = new HashMap<>();
    for (Blob blob : blobs) {
      out.put(blob.digest().hex(), blob.bytes());
    }
    return out;
  }

  static double regionMetric(Region r, String prefix) throws Exception {
    double sum = 0;
    for (int i = 0; i < r.nodes().size(); i++) {
      sum += metric(Http.get(r.url(i) + "/metrics").body(), prefix);
    }
    return sum;
  }

  @Test
  @Order(1)
  void skopeoPushedImagesCrossBothWaysWithIdenticalDigestsIntoEachRegionsOwnBucket()
      throws Exception {
    // a -> b: an OCI image with three layers
    Image img = OciImages.image(false, "amd64", 3, 300_000, 11);
    Path src = tmp.resolve("layout-app");
    OciImages.writeLayout(src, img.blobs(), img.manifest(), "v1");
    double storedBefore =
        regionMetric(b, "berth_replication_blobs_received_total{result=\"stored\"");
    skopeo.push(src, "v1", host(a, 0), "team/app");
    String digest = img.manifest().digest().toString();
    awaitServed(b, "team/app", "v1", digest);

    Path fromB = tmp.resolve("pulled-app-from-b");
    skopeo.pull(host(b, 1), "team/app", "v1", fromB);
    List<Blob> all = new ArrayList<>(img.blobs());
    all.add(img.manifest());
    Map<String, byte[]> expected = blobsOf(all);
    Map<String, byte[]> pulled = Skopeo.layoutBlobs(fromB);
    assertThat(pulled.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    expected.forEach((hex, bytes) -> assertThat(pulled.get(hex)).as(hex).isEqualTo(bytes));

    // the copies were written into b's own bucket, through b's nodes
    for (Blob blob : all) {
      assertThat(s3.objectFile(BUCKET_B, "blobs/sha256/" + blob.digest().hex()))
          .as("blob " + blob.digest() + " in region b's bucket")
          .exists();
      assertThat(s3.objectFile(BUCKET_A, "blobs/sha256/" + blob.digest().hex())).exists();
    }
    assertThat(regionMetric(b, "berth_replication_blobs_received_total{result=\"stored\""))
        .as("blobs stored by b's nodes for the replicator")
        .isGreaterThanOrEqualTo(storedBefore + all.size());
    try (Stream<Path> files = Files.walk(s3.bucketDir(BUCKET_B).resolve("blobs"))) {
      assertThat(files.filter(Files::isRegularFile).count()).isGreaterThanOrEqualTo(all.size());
    }

    // which regions hold the tag and the manifest, and as of when
    Map<String, JsonNode> tag = where(b, "repository=team/app&tag=v1");
    assertThat(tag).containsOnlyKeys("a", "b");
    assertThat(tag.get("a").path("holds").asBoolean()).isTrue();
    assertThat(tag.get("b").path("holds").asBoolean()).isTrue();
    assertThat(tag.get("b").path("originRegion").asText()).isEqualTo("a");
    assertThat(tag.get("b").path("change").asText()).isEqualTo("TAG_SET");
    assertThat(tag.get("b").path("since").asText()).isNotEmpty();
    Map<String, JsonNode> manifest = where(a, "repository=team/app&digest=" + digest);
    assertThat(manifest.get("a").path("holds").asBoolean()).isTrue();
    assertThat(manifest.get("b").path("holds").asBoolean()).isTrue();
    assertThat(manifest.get("b").path("change").asText()).isEqualTo("MANIFEST_PUT");
    assertThat(where(a, "repository=team/app&tag=never").get("b").path("holds").asBoolean())
        .isFalse();

    // b -> a: a two-platform index, copied with --all
    Image amd = OciImages.image(false, "amd64", 2, 100_000, 21);
    Image arm = OciImages.image(false, "arm64", 2, 100_000, 22);
    Blob index = OciImages.index(false, List.of(amd, arm), List.of("amd64", "arm64"));
    List<Blob> multi = new ArrayList<>();
    for (Image i : List.of(amd, arm)) {
      multi.addAll(i.blobs());
      multi.add(i.manifest());
    }
    Path src2 = tmp.resolve("layout-multi");
    OciImages.writeLayout(src2, multi, index, "multi");
    skopeo.push(src2, "multi", host(b, 0), "team/multi", "--all");
    awaitServed(a, "team/multi", "multi", index.digest().toString());
    assertThat(served(a, 0, "team/multi", amd.manifest().digest().toString()))
        .isEqualTo(amd.manifest().digest().toString());
    Path fromA = tmp.resolve("pulled-multi-from-a");
    skopeo.pull(host(a, 0), "team/multi", "multi", fromA, "--all");
    List<Blob> everything = new ArrayList<>(multi);
    everything.add(index);
    Map<String, byte[]> expected2 = blobsOf(everything);
    Map<String, byte[]> pulled2 = Skopeo.layoutBlobs(fromA);
    assertThat(pulled2.keySet()).containsExactlyInAnyOrderElementsOf(expected2.keySet());
    expected2.forEach((hex, bytes) -> assertThat(pulled2.get(hex)).as(hex).isEqualTo(bytes));
    for (Blob blob : everything) {
      assertThat(s3.objectFile(BUCKET_A, "blobs/sha256/" + blob.digest().hex())).exists();
    }
  }

  @Test
  @Order(2)
  void deletesAndRetagsInAReachBAndStayDeletedAfterLaterEventsAndAReplay() throws Exception {
    String repo = "team/life";
    Image x = OciImages.image(false, "amd64", 1, 50_000, 31);
    Image y = OciImages.image(false, "amd64", 1, 50_000, 32);
    Image z = OciImages.image(false, "amd64", 1, 50_000, 33);
    Image w = OciImages.image(false, "amd64", 1, 50_000, 34);
    String dx = push(a, 0, repo, x, "v1");
    push(a, 0, repo, x, "v2");
    String dz = push(a, 0, repo, z, "v3");
    awaitServed(b, repo, "v3", dz);
    awaitServed(b, repo, "v1", dx);

    String dy = push(a, 0, repo, y, "v1");
    OciClient oci = new OciClient(a.url(0));
    assertThat(oci.delete("/v2/" + repo + "/manifests/v2").status()).isEqualTo(202);
    assertThat(oci.delete("/v2/" + repo + "/manifests/" + dz).status()).isEqualTo(202);
    awaitServed(b, repo, "v1", dy);
    awaitServed(b, repo, "v2", null);
    awaitServed(b, repo, "v3", null);
    awaitServed(b, repo, dz, null);

    // later events in the same repository do not bring anything back
    String dw = push(a, 0, repo, w, "later");
    awaitServed(b, repo, "later", dw);
    for (int i = 0; i < b.nodes().size(); i++) {
      assertThat(served(b, i, repo, "v2")).isNull();
      assertThat(served(b, i, repo, "v3")).isNull();
      assertThat(served(b, i, repo, dz)).isNull();
      assertThat(served(b, i, repo, "v1")).isEqualTo(dy);
    }
    Map<String, JsonNode> gone = where(b, "repository=" + repo + "&tag=v2");
    assertThat(gone.get("a").path("deleted").asBoolean()).isTrue();
    assertThat(gone.get("b").path("deleted").asBoolean()).isTrue();
    assertThat(gone.get("b").path("holds").asBoolean()).isFalse();
    assertThat(where(b, "repository=" + repo + "&digest=" + dz).get("b").path("change").asText())
        .isEqualTo("MANIFEST_DELETE");

    // a replay: b's second node is replaced by a new, empty node on its address, which rebuilds
    // its index by replaying region b's log from the start
    b.stopNode(1);
    b.replaceNode(1, "b-2-new");
    b.startNode(1);
    awaitServed(b, repo, "later", dw);
    assertThat(served(b, 1, repo, "v1")).isEqualTo(dy);
    assertThat(served(b, 1, repo, "v2")).isNull();
    assertThat(served(b, 1, repo, "v3")).isNull();
    assertThat(served(b, 1, repo, dz)).isNull();
    assertThat(served(b, 1, "team/app", "v1")).as("earlier images rebuilt too").isNotNull();
  }

  @Test
  @Order(3)
  void concurrentWritesOfOneTagInBothRegionsConvergeToOneDigest() throws Exception {
    String repo = "team/race";
    Image p = OciImages.image(false, "amd64", 1, 20_000, 41);
    Image q = OciImages.image(false, "amd64", 1, 20_000, 42);
    String dp = push(a, 0, repo, p, null);
    String dq = push(b, 0, repo, q, null);
    awaitServed(a, repo, dq, dq);
    awaitServed(b, repo, dp, dp);
    List<String> winners = new ArrayList<>();
    for (int round = 0; round < 10; round++) {
      Image inA = round % 2 == 0 ? p : q;
      Image inB = round % 2 == 0 ? q : p;
      int bNode = round % 2;
      CompletableFuture<OciClient.Response> fa =
          CompletableFuture.supplyAsync(
              () ->
                  new OciClient(a.url(0))
                      .putManifest(
                          repo, "race", inA.manifest().mediaType(), inA.manifest().bytes()));
      CompletableFuture<OciClient.Response> fb =
          CompletableFuture.supplyAsync(
              () ->
                  new OciClient(b.url(bNode))
                      .putManifest(
                          repo, "race", inB.manifest().mediaType(), inB.manifest().bytes()));
      assertThat(fa.join().status()).isEqualTo(201);
      assertThat(fb.join().status()).isEqualTo(201);
      int r = round;
      await()
          .atMost(CROSS)
          .pollInterval(Duration.ofMillis(200))
          .untilAsserted(
              () -> {
                String inA0 = served(a, 0, repo, "race");
                assertThat(inA0).as("round " + r).isIn(dp, dq);
                assertThat(served(b, 0, repo, "race")).as("round " + r).isEqualTo(inA0);
                assertThat(served(b, 1, repo, "race")).as("round " + r).isEqualTo(inA0);
              });
      // the agreement holds: no late event flips one region only
      Thread.sleep(500);
      String agreed = served(a, 0, repo, "race");
      assertThat(served(b, 0, repo, "race")).isEqualTo(agreed);
      assertThat(served(b, 1, repo, "race")).isEqualTo(agreed);
      winners.add(agreed);
      Map<String, JsonNode> where = where(a, "repository=" + repo + "&tag=race");
      assertThat(where.get("a").path("hlcWallMillis").asLong())
          .as("both regions hold the same newest change")
          .isEqualTo(where.get("b").path("hlcWallMillis").asLong());
    }
    assertThat(winners).hasSize(10);
  }

  /**
   * While b's nodes are down, the link copies the images' blobs straight into b's bucket (the
   * replicator is given it) and reads on; when the nodes return it only hands the events over, and
   * b serves every image with its digests.
   */
  @Test
  @Order(4)
  void whileBsNodesAreDownTheBlobsArriveInItsBucketAndTheImagesFollowWhenTheyReturn()
      throws Exception {
    String repo = "team/outage";
    List<Image> images = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      images.add(OciImages.image(false, "amd64", 2, 60_000 + i, 50 + i));
    }
    b.stop();
    List<String> digests = new ArrayList<>();
    for (int i = 0; i < images.size(); i++) {
      digests.add(push(a, 0, repo, images.get(i), "v" + i));
    }
    await()
        .atMost(CROSS)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              for (Image img : images) {
                for (Blob blob : img.blobs()) {
                  assertThat(s3.objectFile(BUCKET_B, "blobs/sha256/" + blob.digest().hex()))
                      .as("%s in b's bucket while b is down", blob.digest())
                      .exists();
                }
              }
              JsonNode link = cluster.replicator().link("a->b");
              assertThat(link.path("eventsAhead").asLong())
                  .as("the events wait, read ahead")
                  .isPositive();
            });
    assertThat(metric(cluster.replicator().metrics(), "berth_link_events_ahead{link=\"a->b\""))
        .isPositive();
    b.start();
    for (int i = 0; i < images.size(); i++) {
      awaitServed(b, repo, "v" + i, digests.get(i));
    }
    await()
        .atMost(CROSS)
        .until(() -> cluster.replicator().link("a->b").path("eventsAhead").asLong() == 0);
    Path pulled = tmp.resolve("pulled-outage-from-b");
    skopeo.pull(host(b, 1), repo, "v2", pulled);
    Map<String, byte[]> expected = blobsOf(images.get(2).blobs());
    expected.put(images.get(2).manifest().digest().hex(), images.get(2).manifest().bytes());
    Map<String, byte[]> got = Skopeo.layoutBlobs(pulled);
    assertThat(got.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
    expected.forEach((hex, bytes) -> assertThat(got.get(hex)).as(hex).isEqualTo(bytes));
  }
}
