package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.Skopeo;
import io.berth.node.testsupport.StorageUnderTest;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real client: Debian's {@code skopeo} copies images the test builds as OCI layout directories
 * (gzip'd tar layers written by hand) into Berth over plain HTTP and back out into another layout.
 * Every digest survives the round trip, {@code skopeo inspect} reads the image, and a two-platform
 * OCI index is copied with {@code --all}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OciSkopeoIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static NodeAssembly node;
  static String registry;
  static Skopeo skopeo;

  static StorageUnderTest storage;

  /** Storage under test; the default is the embedded file store. */
  protected StorageUnderTest storage() throws Exception {
    return StorageUnderTest.file();
  }

  @BeforeAll
  void start() throws Exception {
    Skopeo.require();
    skopeo = new Skopeo(tmp);
    storage = storage();
    node = new NodeAssembly(storage.apply(TestNodes.config(tmp.resolve("node")))).start();
    registry = "127.0.0.1:" + node.port();
  }

  @AfterAll
  void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (storage != null) {
      storage.close();
    }
  }

  static Skopeo.Result ok(String... args) throws Exception {
    return skopeo.ok(args);
  }

  static Map<String, byte[]> layoutBlobs(Path layout) throws IOException {
    return Skopeo.layoutBlobs(layout);
  }

  @Test
  void copyAMultiLayerImageInAndOutKeepsEveryDigest() throws Exception {
    Image img = OciImages.image(false, "amd64", 3, 200_000, 7);
    Path src = tmp.resolve("src-layout");
    OciImages.writeLayout(src, img.blobs(), img.manifest(), "v1");

    ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + src + ":v1",
        "docker://" + registry + "/skopeo/app:v1");

    OciClient oci = new OciClient(TestNodes.url(node));
    OciClient.Response m = oci.get("/v2/skopeo/app/manifests/v1");
    assertThat(m.status()).isEqualTo(200);
    assertThat(m.body()).as("the manifest's exact bytes").isEqualTo(img.manifest().bytes());
    for (Blob b : img.blobs()) {
      assertThat(oci.head("/v2/skopeo/app/blobs/" + b.digest()).status()).isEqualTo(200);
    }

    Skopeo.Result inspect =
        ok("inspect", "--tls-verify=false", "docker://" + registry + "/skopeo/app:v1");
    JsonNode info = JSON.readTree(inspect.out());
    assertThat(info.get("Digest").asText()).isEqualTo(img.manifest().digest().toString());
    assertThat(info.get("Architecture").asText()).isEqualTo("amd64");
    assertThat(info.get("Layers")).hasSize(3);
    assertThat(info.get("RepoTags").toString()).contains("v1");

    Skopeo.Result raw =
        ok("inspect", "--raw", "--tls-verify=false", "docker://" + registry + "/skopeo/app:v1");
    assertThat(raw.out().trim())
        .isEqualTo(new String(img.manifest().bytes(), StandardCharsets.UTF_8).trim());

    Path dst = tmp.resolve("dst-layout");
    ok(
        "copy",
        "--src-tls-verify=false",
        "docker://" + registry + "/skopeo/app:v1",
        "oci:" + dst + ":v1");
    Map<String, byte[]> out = layoutBlobs(dst);
    assertThat(out).containsKey(img.manifest().digest().hex());
    for (Blob b : img.blobs()) {
      assertThat(out.get(b.digest().hex())).as(b.digest().toString()).isEqualTo(b.bytes());
    }
    JsonNode index = JSON.readTree(dst.resolve("index.json").toFile());
    assertThat(index.at("/manifests/0/digest").asText())
        .isEqualTo(img.manifest().digest().toString());
  }

  @Test
  void copyIntoASecondRepositoryAndBetweenRepositories() throws Exception {
    Image img = OciImages.image(false, "amd64", 2, 50_000, 8);
    Path src = tmp.resolve("src-layout-2");
    OciImages.writeLayout(src, img.blobs(), img.manifest(), "v2");
    ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + src + ":v2",
        "docker://" + registry + "/team/a:v2");
    ok(
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "docker://" + registry + "/team/a:v2",
        "docker://" + registry + "/team/b:v2");
    Skopeo.Result inspect =
        ok("inspect", "--tls-verify=false", "docker://" + registry + "/team/b:v2");
    assertThat(JSON.readTree(inspect.out()).get("Digest").asText())
        .isEqualTo(img.manifest().digest().toString());
  }

  @Test
  void copyATwoPlatformIndexWithAll() throws Exception {
    Image amd = OciImages.image(false, "amd64", 2, 30_000, 9);
    Image arm = OciImages.image(false, "arm64", 2, 30_000, 10);
    Blob index = OciImages.index(false, List.of(amd, arm), List.of("amd64", "arm64"));
    List<Blob> blobs = new ArrayList<>();
    for (Image i : List.of(amd, arm)) {
      blobs.addAll(i.blobs());
      blobs.add(i.manifest());
    }
    Path src = tmp.resolve("multi-layout");
    OciImages.writeLayout(src, blobs, index, "multi");
    ok(
        "copy",
        "--all",
        "--dest-tls-verify=false",
        "oci:" + src + ":multi",
        "docker://" + registry + "/skopeo/multi:latest");

    OciClient oci = new OciClient(TestNodes.url(node));
    OciClient.Response top = oci.get("/v2/skopeo/multi/manifests/latest");
    assertThat(top.header("Content-Type")).isEqualTo(OciImages.OCI_INDEX);
    assertThat(Digest.sha256(top.body())).isEqualTo(index.digest());

    Skopeo.Result raw =
        ok(
            "inspect",
            "--raw",
            "--tls-verify=false",
            "docker://" + registry + "/skopeo/multi:latest");
    assertThat(JSON.readTree(raw.out()).get("manifests")).hasSize(2);
    Skopeo.Result arm64 =
        ok(
            "inspect",
            "--override-arch",
            "arm64",
            "--tls-verify=false",
            "docker://" + registry + "/skopeo/multi:latest");
    JsonNode armInfo = JSON.readTree(arm64.out());
    assertThat(armInfo.get("Architecture").asText()).isEqualTo("arm64");
    assertThat(armInfo.get("Layers").toString()).contains(arm.layers().get(0).digest().toString());

    Path dst = tmp.resolve("multi-out");
    ok(
        "copy",
        "--all",
        "--src-tls-verify=false",
        "docker://" + registry + "/skopeo/multi:latest",
        "oci:" + dst + ":multi");
    Map<String, byte[]> out = layoutBlobs(dst);
    assertThat(out).containsKey(index.digest().hex());
    for (Blob b : blobs) {
      assertThat(out.get(b.digest().hex())).as(b.digest().toString()).isEqualTo(b.bytes());
    }
  }
}
