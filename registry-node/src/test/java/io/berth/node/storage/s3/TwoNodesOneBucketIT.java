package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.storage.BlobReader;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.KafkaBroker;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.TestNodes;
import io.berth.proto.index.v1.ModuleVersionRecord;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two nodes of one region share one bucket (each with its own index, joined by the region's change
 * log on a real Kafka broker): a module published on node A and one pulled through on node B are
 * readable from the other node's blob store directly, and served over GOPROXY by the other node
 * once its index applied the event, with no second upload and no upstream fetch.
 */
class TwoNodesOneBucketIT {
  static final String BUCKET = "region-eu";
  static final String PRIVATE = "corp.example.com/shared/mod";
  static final String PUBLIC = "github.com/example/shared";

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static KafkaBroker kafka;
  static StaticGoProxy upstream;
  static NodeAssembly a;
  static NodeAssembly b;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    kafka = KafkaBroker.start(tmp.resolve("kafka"));
    Path tree = tmp.resolve("tree");
    GoModules.addToTree(
        tree,
        PUBLIC,
        "v1.2.3",
        Map.of("go.mod", "module " + PUBLIC + "\n", "p.go", "package shared\n"));
    upstream = new StaticGoProxy(tree);
    a = new NodeAssembly(config("node-a")).start();
    b = new NodeAssembly(config("node-b")).start();
  }

  static NodeConfig config(String id) {
    NodeConfig c = TestNodes.config(tmp.resolve(id));
    NodeConfig n =
        new NodeConfig(
            new NodeConfig.NodeSection(id, "eu"),
            c.http(),
            c.storage().withS3(s3.config(BUCKET)),
            TestNodes.go(upstream.url(), List.of("corp.example.com"), 60),
            c.sumdb(),
            c.oci(),
            c.cluster(),
            new NodeConfig.EventsSection(
                kafka.bootstrap(), "berth.eu.changes", true, 3, (short) 1, 1, 24L, 0L));
    return n;
  }

  @AfterAll
  static void stop() throws Exception {
    for (AutoCloseable c : new AutoCloseable[] {b, a, upstream, kafka, s3}) {
      if (c != null) {
        c.close();
      }
    }
  }

  private static byte[] read(NodeAssembly node, String digest) throws Exception {
    BlobReader r = node.blobStore().open(Digest.parse(digest)).orElseThrow();
    try (InputStream in = r.openStream()) {
      return in.readAllBytes();
    }
  }

  @Test
  void eachNodeReadsTheBlobsTheOtherStored() throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            PRIVATE,
            "v1.0.0",
            Map.of("go.mod", "module " + PRIVATE + "\n", "m.go", "package mod\n"));
    HttpResponse<String> pub =
        Http.putFile(
            TestNodes.url(a)
                + "/_berth/api/go/publish/"
                + ModulePath.escape(PRIVATE)
                + "/@v/v1.0.0.zip",
            zip);
    assertThat(pub.statusCode()).as(pub.body()).isEqualTo(201);
    ModuleVersionRecord onA = a.moduleIndex().get(ModulePath.of(PRIVATE), "v1.0.0").orElseThrow();
    // storage level: B reads every blob A stored, straight from the shared bucket
    assertThat(read(b, onA.getZipDigest())).isEqualTo(Files.readAllBytes(zip));
    assertThat(new String(read(b, onA.getModDigest()))).isEqualTo("module " + PRIVATE + "\n");
    assertThat(new String(read(b, onA.getInfoDigest()))).contains("v1.0.0");

    // pulled through on B, read on A
    String pubZip = "/" + ModulePath.escape(PUBLIC) + "/@v/v1.2.3.zip";
    HttpResponse<byte[]> fromB = Http.getBytes(TestNodes.url(b) + pubZip);
    assertThat(fromB.statusCode()).isEqualTo(200);
    ModuleVersionRecord onB = b.moduleIndex().get(ModulePath.of(PUBLIC), "v1.2.3").orElseThrow();
    assertThat(read(a, onB.getZipDigest())).isEqualTo(fromB.body());

    // HTTP level: once the change log carried the index entries, each node serves the other's
    await("B applied A's publish")
        .atMost(Duration.ofSeconds(60))
        .until(() -> b.moduleIndex().get(ModulePath.of(PRIVATE), "v1.0.0").isPresent());
    HttpResponse<byte[]> viaB =
        Http.getBytes(TestNodes.url(b) + "/" + ModulePath.escape(PRIVATE) + "/@v/v1.0.0.zip");
    assertThat(viaB.statusCode()).isEqualTo(200);
    assertThat(viaB.body()).isEqualTo(Files.readAllBytes(zip));
    await("A applied B's pull-through")
        .atMost(Duration.ofSeconds(60))
        .until(() -> a.moduleIndex().get(ModulePath.of(PUBLIC), "v1.2.3").isPresent());
    int upstreamFetches = upstream.count(pubZip);
    HttpResponse<byte[]> viaA = Http.getBytes(TestNodes.url(a) + pubZip);
    assertThat(viaA.statusCode()).isEqualTo(200);
    assertThat(viaA.body()).isEqualTo(fromB.body());
    assertThat(upstream.count(pubZip))
        .as("A served B's copy, no second fetch")
        .isEqualTo(upstreamFetches);
    assertThat(upstreamFetches).isEqualTo(1);
  }
}
