package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.DockerRegistry;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.RegistryProxy;
import io.berth.node.testsupport.Skopeo;
import io.berth.node.testsupport.TestNodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Concurrent misses and hostile upstreams: 20 concurrent pulls of one uncached blob make exactly
 * one upstream GET and every client gets the right bytes (both for a blob streamed to its first
 * client while stored and for a small blob stored first); an upstream serving bytes that do not
 * match the digest (a tampering proxy in front of Debian's docker-registry) stores nothing and
 * gives the clients an error, never the wrong content.
 */
class OciPullThroughConcurrencyIT {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @TempDir static Path tmp;
  static DockerRegistry registry;
  static RegistryProxy proxy;
  static NodeAssembly node;
  static Skopeo skopeo;
  static OciClient berth;

  @BeforeAll
  static void start() throws Exception {
    Skopeo.require();
    skopeo = new Skopeo(tmp.resolve("skopeo"));
    registry = DockerRegistry.start(tmp.resolve("registry"));
    proxy = new RegistryProxy(registry.url());
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c ->
                c.withOci(
                    c.oci()
                        .withUpstreams(
                            List.of(
                                new NodeConfig.OciUpstream("hub", proxy.url(), "", "", 60L, "")),
                            List.of())));
    berth = new OciClient(TestNodes.url(node));
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (proxy != null) {
      proxy.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  static void pushUpstream(Image img, String ref) throws Exception {
    Path layout = tmp.resolve("layout-" + ref.replace('/', '_').replace(':', '_'));
    OciImages.writeLayout(layout, img.blobs(), img.manifest(), "t");
    skopeo.ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":t",
        "docker://" + registry.hostPort() + "/" + ref);
  }

  /** A GET's status and the sha256 of its body (streamed, never held), or the failure. */
  record Got(int status, String sha256, long bytes, String failure) {}

  static Got get(String path) {
    try {
      HttpResponse<InputStream> r =
          CLIENT.send(
              HttpRequest.newBuilder(URI.create(TestNodes.url(node) + path))
                  .timeout(Duration.ofSeconds(120))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      long n = 0;
      try (InputStream in = r.body()) {
        byte[] buf = new byte[64 * 1024];
        int k;
        while ((k = in.read(buf)) > 0) {
          md.update(buf, 0, k);
          n += k;
        }
      }
      return new Got(r.statusCode(), "sha256:" + HexFormat.of().formatHex(md.digest()), n, null);
    } catch (IOException e) {
      return new Got(-1, null, -1, e.toString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  static List<Got> concurrently(int n, String path) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Got>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        Callable<Got> c = () -> get(path);
        futures.add(pool.submit(c));
      }
      List<Got> out = new ArrayList<>();
      for (Future<Got> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void twentyConcurrentPullsOfAnUncachedBlobMakeOneUpstreamGet() throws Exception {
    Image img = OciImages.image(false, "amd64", 2, 4 << 20, 101);
    pushUpstream(img, "library/big:v1");
    Digest big = img.layers().get(0).digest();
    assertThat(img.layers().get(0).size())
        .as("above the stream threshold: streamed to the first client while stored")
        .isGreaterThan(io.berth.node.oci.pullthrough.RegistryPullThroughCache.STREAM_THRESHOLD);
    proxy.clear();
    proxy.throttle(4_000_000);
    List<Got> results;
    try {
      results = concurrently(20, "/v2/hub/library/big/blobs/" + big);
    } finally {
      proxy.throttle(0);
    }
    for (Got g : results) {
      assertThat(g.status()).as(String.valueOf(g)).isEqualTo(200);
      assertThat(g.sha256()).isEqualTo(big.toString());
    }
    assertThat(proxy.count("GET", "/blobs/" + big)).as("one upstream fetch").isEqualTo(1);
    assertThat(node.ociIndex().blobLink(RepositoryName.parse("hub/library/big"), big)).isPresent();
    assertThat(
            node.metrics()
                .get("berth_singleflight_waits")
                .tag("area", "oci")
                .functionCounter()
                .count())
        .as("the other clients waited for the one fetch")
        .isGreaterThan(0);

    Digest config = img.config().digest();
    proxy.throttle(50_000);
    try {
      results = concurrently(20, "/v2/hub/library/big/blobs/" + config);
    } finally {
      proxy.throttle(0);
    }
    for (Got g : results) {
      assertThat(g.status()).isEqualTo(200);
      assertThat(g.sha256()).isEqualTo(config.toString());
    }
    assertThat(proxy.count("GET", "/blobs/" + config)).isEqualTo(1);
  }

  @Test
  void aSmallBlobWithTheWrongContentIsNotStoredAndEveryClientGetsAnOciError() throws Exception {
    Image img = OciImages.image(false, "amd64", 1, 100_000, 111);
    pushUpstream(img, "library/tampered:v1");
    Digest layer = img.layers().get(0).digest();
    proxy.tamper(layer.toString());
    try {
      OciClient.Response r = berth.get("/v2/hub/library/tampered/blobs/" + layer);
      assertThat(r.status()).as(r.toString()).isEqualTo(502);
      assertThat(r.errorCode()).isEqualTo("DIGEST_INVALID");
      assertThat(r.text()).contains("nothing was stored").contains(layer.toString());
      assertThat(node.blobStore().stat(layer)).as("nothing stored").isEmpty();
      assertThat(node.ociIndex().blobLink(RepositoryName.parse("hub/library/tampered"), layer))
          .isEmpty();

      Skopeo.Result pull =
          skopeo.run(
              "copy",
              "--src-tls-verify=false",
              "docker://127.0.0.1:" + node.port() + "/hub/library/tampered:v1",
              "oci:" + tmp.resolve("tampered-out"));
      assertThat(pull.ok()).isFalse();
      // skopeo reports a failed blob GET by its status (it does not print blob error bodies)
      assertThat(pull.err()).contains(layer.toString()).contains("502");
    } finally {
      proxy.untamper(layer.toString());
    }
    assertThat(berth.get("/v2/hub/library/tampered/blobs/" + layer).body())
        .as("fetched again once the upstream is honest")
        .isEqualTo(img.layers().get(0).bytes());
    assertThat(node.blobStore().stat(layer)).isPresent();
  }

  @Test
  void aStreamedBlobWithTheWrongContentNeverReachesAClientWhole() throws Exception {
    Image img = OciImages.image(false, "amd64", 1, 2 << 20, 121);
    pushUpstream(img, "library/tampered-big:v1");
    Digest layer = img.layers().get(0).digest();
    proxy.tamper(layer.toString());
    proxy.throttle(2_000_000);
    List<Got> results;
    try {
      results = concurrently(5, "/v2/hub/library/tampered-big/blobs/" + layer);
    } finally {
      proxy.throttle(0);
      proxy.untamper(layer.toString());
    }
    int errors = 0;
    for (Got g : results) {
      if (g.status() == -1) {
        continue; // the streamed first client: the response was aborted before its end
      }
      assertThat(g.status()).as(String.valueOf(g)).isEqualTo(502);
      errors++;
    }
    assertThat(results).noneMatch(g -> g.status() == 200);
    assertThat(results).anyMatch(g -> g.status() == -1);
    assertThat(errors).as("the waiting clients get the OCI error").isGreaterThan(0);
    assertThat(node.blobStore().stat(layer)).as("nothing stored").isEmpty();

    Got honest = get("/v2/hub/library/tampered-big/blobs/" + layer);
    assertThat(honest.status()).isEqualTo(200);
    assertThat(honest.sha256()).isEqualTo(layer.toString());
  }

  @Test
  void aManifestWithTheWrongContentIsNotIndexed() throws Exception {
    Image img = OciImages.image(false, "amd64", 1, 10_000, 131);
    pushUpstream(img, "library/bad-manifest:v1");
    proxy.tamper("/manifests/v1");
    proxy.tamper("/manifests/" + img.manifest().digest());
    try {
      OciClient.Response byTag = berth.get("/v2/hub/library/bad-manifest/manifests/v1");
      assertThat(byTag.status()).as(byTag.toString()).isEqualTo(502);
      assertThat(byTag.errorCode()).isEqualTo("DIGEST_INVALID");
      OciClient.Response byDigest =
          berth.get("/v2/hub/library/bad-manifest/manifests/" + img.manifest().digest());
      assertThat(byDigest.status()).isEqualTo(502);
      assertThat(byDigest.errorCode()).isEqualTo("DIGEST_INVALID");
      RepositoryName repo = RepositoryName.parse("hub/library/bad-manifest");
      assertThat(node.ociIndex().tag(repo, Tag.parse("v1"))).isEmpty();
      assertThat(node.ociIndex().manifest(repo, img.manifest().digest())).isEmpty();
      assertThat(node.ociIndex().repositoryExists(repo)).isFalse();
    } finally {
      proxy.untamper("/manifests/v1");
      proxy.untamper("/manifests/" + img.manifest().digest());
    }
    assertThat(berth.get("/v2/hub/library/bad-manifest/manifests/v1").body())
        .isEqualTo(img.manifest().bytes());
  }
}
