package io.berth.node.scrub;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.berth.common.Digest;
import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.cli.BerthCommand;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.StaticGoProxy;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Scrub against blobs corrupted on disk (the file store's file; with S3, the S3Proxy backing file
 * of the object): it detects both corrupt blobs, counts them in metrics, quarantines them so the
 * corrupt bytes are never served, repairs the pulled-through module zip from the upstream GOPROXY
 * (verified against its digest), leaves the published private one quarantined (403, never the bad
 * bytes), and {@code berth scrub} on the stopped node finds corruption too.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ScrubIT {
  static final String PUBLIC = "github.com/example/scrubbed";
  static final String PRIVATE = "corp.example.com/scrub/priv";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static StorageUnderTest storage;
  static StaticGoProxy upstream;
  static NodeAssembly node;

  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    storage = storage();
    Path tree = tmp.resolve("tree");
    GoModules.addToTree(
        tree,
        PUBLIC,
        "v1.0.0",
        Map.of(
            "go.mod",
            "module " + PUBLIC + "\n",
            "s.go",
            "package scrubbed\n// " + "x".repeat(5000) + "\n"));
    upstream = new StaticGoProxy(tree);
    node = TestNodes.start(tmp.resolve("node"), c -> storage.apply(c.withGo(goSection())));
  }

  private static io.berth.node.config.NodeConfig.GoSection goSection() {
    return TestNodes.go(upstream.url(), List.of("corp.example.com"), 60);
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  private static void corrupt(Path file) throws Exception {
    assertThat(file).exists();
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
      long at = f.length() / 2;
      f.seek(at);
      int b = f.read();
      f.seek(at);
      f.write(b ^ 0x5a);
    }
  }

  @Test
  void corruptBlobsAreDetectedQuarantinedAndRepairedFromUpstream() throws Exception {
    String url = TestNodes.url(node);
    String pubZip = url + "/" + ModulePath.escape(PUBLIC) + "/@v/v1.0.0.zip";
    HttpResponse<byte[]> first = Http.getBytes(pubZip);
    assertThat(first.statusCode()).isEqualTo(200);
    byte[] good = first.body();
    Path privZipFile =
        GoModules.zip(
            tmp.resolve("zips"),
            PRIVATE,
            "v1.0.0",
            Map.of("go.mod", "module " + PRIVATE + "\n", "p.go", "package priv\n"));
    assertThat(
            Http.putFile(
                    url + "/_berth/api/go/publish/" + ModulePath.escape(PRIVATE) + "/@v/v1.0.0.zip",
                    privZipFile)
                .statusCode())
        .isEqualTo(201);
    Digest pubDigest = zipDigest(PUBLIC);
    Digest privDigest = zipDigest(PRIVATE);
    corrupt(storage.blobFile(node, pubDigest));
    corrupt(storage.blobFile(node, privDigest));

    HttpResponse<String> r = Http.post(url + "/_berth/api/scrub");
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    JsonNode report = JSON.readTree(r.body());
    assertThat(report.get("corruptBlobs").asLong()).isEqualTo(2);
    assertThat(report.get("quarantined").asLong()).isEqualTo(2);
    assertThat(report.get("repaired").asLong()).isEqualTo(1);
    assertThat(report.get("scannedBlobs").asLong())
        .as("public zip; private zip, mod, info")
        .isEqualTo(4);
    for (JsonNode c : report.get("corrupt")) {
      String repairedFrom = c.get("repairedFrom").asText();
      if (c.get("digest").asText().equals(pubDigest.toString())) {
        assertThat(repairedFrom).isEqualTo("go-upstream");
      } else {
        assertThat(c.get("digest").asText()).isEqualTo(privDigest.toString());
        assertThat(repairedFrom).as("published private modules have no upstream").isEmpty();
      }
    }
    assertThat(Http.get(url + "/metrics").body())
        .contains("berth_scrub_corrupt_total 2.0")
        .contains("berth_scrub_repaired_total 1.0");

    HttpResponse<byte[]> repaired = Http.getBytes(pubZip);
    assertThat(repaired.statusCode()).isEqualTo(200);
    assertThat(repaired.body()).as("repaired content is the original").isEqualTo(good);
    HttpResponse<byte[]> priv =
        Http.getBytes(url + "/" + ModulePath.escape(PRIVATE) + "/@v/v1.0.0.zip");
    assertThat(priv.statusCode()).as("a quarantined private zip is not served").isEqualTo(403);
    assertThat(priv.body()).isNotEqualTo(Files.readAllBytes(privZipFile));

    JsonNode again = JSON.readTree(Http.post(url + "/_berth/api/scrub").body());
    assertThat(again.get("corruptBlobs").asLong()).isZero();
    assertThat(again.get("scannedBlobs").asLong()).isEqualTo(3);

    // berth scrub by hand on the stopped node
    corrupt(storage.blobFile(node, pubDigest));
    node.close();
    Path config = tmp.resolve("berth.yaml");
    new ObjectMapper(new YAMLFactory())
        .writeValue(
            config.toFile(),
            Map.of(
                "node", Map.of("id", "test-node", "region", "test"),
                "storage", storage.yamlStorage(tmp.resolve("node").toString()),
                "go",
                    Map.of(
                        "upstreams",
                        upstream.url(),
                        "privatePatterns",
                        List.of("corp.example.com"))));
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = BerthCommand.commandLine();
    cl.setOut(new PrintWriter(out));
    cl.setErr(new PrintWriter(err));
    int exit = cl.execute("scrub", "--config", config.toString());
    assertThat(exit).as(out + "\n" + err).isEqualTo(3);
    assertThat(out.toString())
        .contains("corrupt " + pubDigest)
        .contains("quarantined")
        .contains("repaired from go-upstream");
    node = TestNodes.start(tmp.resolve("node"), c -> storage.apply(c.withGo(goSection())));
    HttpResponse<byte[]> afterCli =
        Http.getBytes(TestNodes.url(node) + "/" + ModulePath.escape(PUBLIC) + "/@v/v1.0.0.zip");
    assertThat(afterCli.statusCode()).isEqualTo(200);
    assertThat(afterCli.body()).isEqualTo(good);
  }

  private static Digest zipDigest(String module) {
    return Digest.parse(
        node.moduleIndex().get(ModulePath.of(module), "v1.0.0").orElseThrow().getZipDigest());
  }
}
