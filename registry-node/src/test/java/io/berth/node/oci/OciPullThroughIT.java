package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.Digest;
import io.berth.common.RepositoryName;
import io.berth.common.Tag;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.DockerRegistry;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.RegistryProxy;
import io.berth.node.testsupport.Skopeo;
import io.berth.node.testsupport.TestNodes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pull-through cache against Debian's real {@code docker-registry} (distribution 2.8) as the
 * upstream, with images pushed into it by the real {@code skopeo} and pulled through Berth by
 * skopeo. A recording proxy in front of docker-registry counts the upstream requests.
 *
 * <p>Prefixes: {@code hub/} (through the proxy, tag TTL 1 s), {@code cached/} (through the proxy,
 * TTL one hour) and {@code direct/} (docker-registry itself, TTL 1 s: a stopped upstream refuses
 * connections); {@code hub/corp} is private.
 */
class OciPullThroughIT {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  static DockerRegistry registry;
  static RegistryProxy proxy;
  static NodeAssembly node;
  static Skopeo skopeo;
  static OciClient berth;
  static String berthHost;

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
                                new NodeConfig.OciUpstream("hub", proxy.url(), "", "", 1L, ""),
                                new NodeConfig.OciUpstream(
                                    "cached", proxy.url(), "", "", 3600L, ""),
                                new NodeConfig.OciUpstream(
                                    "direct", registry.url(), "", "", 1L, "")),
                            List.of("hub/corp"))));
    berth = new OciClient(TestNodes.url(node));
    berthHost = "127.0.0.1:" + node.port();
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

  /** Builds {@code img} as an OCI layout and pushes it into docker-registry as {@code ref}. */
  static void pushUpstream(Image img, String ref) throws Exception {
    Path layout = tmp.resolve("layout-" + ref.replace('/', '_').replace(':', '_'));
    OciImages.writeLayout(layout, img.blobs(), img.manifest(), "t");
    skopeo.ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":t",
        "docker://" + registry.hostPort() + "/" + ref);
  }

  /** Pulls {@code ref} from Berth into a fresh OCI layout; returns its blobs by hex digest. */
  static Map<String, byte[]> pullThroughBerth(String ref, String name) throws Exception {
    Path out = tmp.resolve("pulled-" + name);
    skopeo.ok("copy", "--src-tls-verify=false", "docker://" + berthHost + "/" + ref, "oci:" + out);
    return Skopeo.layoutBlobs(out);
  }

  static void assertSameImage(Map<String, byte[]> pulled, Image img) {
    assertThat(pulled).containsKey(img.manifest().digest().hex());
    assertThat(pulled.get(img.manifest().digest().hex())).isEqualTo(img.manifest().bytes());
    for (Blob b : img.blobs()) {
      assertThat(pulled.get(b.digest().hex())).as(b.digest().toString()).isEqualTo(b.bytes());
    }
  }

  static long blobGets(Image img) {
    long n = 0;
    for (Blob b : img.blobs()) {
      n += proxy.count("GET", "/blobs/" + b.digest());
    }
    return n;
  }

  @Test
  void aPullFillsTheCacheOnceAndStillWorksWithTheUpstreamStopped() throws Exception {
    Image img = OciImages.image(false, "amd64", 3, 300_000, 41);
    pushUpstream(img, "library/app:v1");
    proxy.clear();

    assertSameImage(pullThroughBerth("hub/library/app:v1", "app-1"), img);
    assertThat(blobGets(img)).as("one upstream GET per blob").isEqualTo(img.blobs().size());
    for (Blob b : img.blobs()) {
      assertThat(proxy.count("GET", "/v2/library/app/blobs/" + b.digest())).isEqualTo(1);
    }
    RepositoryName hubApp = RepositoryName.parse("hub/library/app");
    assertThat(node.ociIndex().tag(hubApp, Tag.parse("v1"))).contains(img.manifest().digest());
    for (Blob b : img.blobs()) {
      assertThat(node.ociIndex().blobLink(hubApp, b.digest())).isPresent();
      assertThat(node.blobStore().stat(b.digest())).isPresent();
    }

    assertSameImage(pullThroughBerth("hub/library/app:v1", "app-2"), img);
    assertThat(blobGets(img)).as("blobs are immutable: never fetched again").isEqualTo(4);
    assertSameImage(pullThroughBerth("direct/library/app:v1", "app-direct"), img);

    registry.stop();
    try {
      Thread.sleep(1_500); // past the 1 s tag TTL: the tag must be revalidated, fail, be stale
      assertSameImage(pullThroughBerth("hub/library/app:v1", "app-offline"), img);
      assertSameImage(pullThroughBerth("direct/library/app:v1", "app-direct-offline"), img);
      OciClient.Response m = berth.get("/v2/hub/library/app/manifests/v1");
      assertThat(m.status()).isEqualTo(200);
      assertThat(m.header("Docker-Content-Digest")).isEqualTo(img.manifest().digest().toString());
      assertThat(m.header("Warning")).as("served stale").startsWith("110 ").contains("stale");
      assertThat(berth.get("/v2/direct/library/app/manifests/v1").header("Warning"))
          .contains("stale");
      assertThat(berth.get("/v2/hub/library/app/manifests/" + img.manifest().digest()).status())
          .isEqualTo(200);
      OciClient.Response layer =
          berth.get("/v2/hub/library/app/blobs/" + img.layers().get(0).digest());
      assertThat(layer.body()).isEqualTo(img.layers().get(0).bytes());

      OciClient.Response nothing = berth.get("/v2/hub/library/never-pulled/manifests/v1");
      assertThat(nothing.status())
          .as("upstream down and nothing cached: unavailable, retry later")
          .isEqualTo(503);
      assertThat(nothing.errorCode()).isEqualTo("UNAVAILABLE");
      assertThat(nothing.header("Retry-After")).isNotNull();
      assertThat(nothing.text()).contains("nothing cached");
    } finally {
      registry.restart();
    }
    Thread.sleep(1_100);
    OciClient.Response again = berth.get("/v2/hub/library/app/manifests/v1");
    assertThat(again.header("Warning")).as("revalidated once the upstream is back").isNull();
  }

  @Test
  void aMovedTagIsFollowedAfterItsTtlAndAFreshTagNeverAsksUpstream() throws Exception {
    Image first = OciImages.image(false, "amd64", 1, 20_000, 51);
    Image second = OciImages.image(false, "amd64", 2, 20_000, 52);
    pushUpstream(first, "library/moving:v1");
    OciClient.Response a = berth.get("/v2/hub/library/moving/manifests/v1");
    assertThat(a.header("Docker-Content-Digest")).isEqualTo(first.manifest().digest().toString());
    OciClient.Response c = berth.get("/v2/cached/library/moving/manifests/v1");
    assertThat(c.header("Docker-Content-Digest")).isEqualTo(first.manifest().digest().toString());

    pushUpstream(second, "library/moving:v1");
    proxy.clear();
    OciClient.Response fresh = berth.get("/v2/cached/library/moving/manifests/v1");
    assertThat(fresh.header("Docker-Content-Digest"))
        .as("within the TTL the cached tag is served")
        .isEqualTo(first.manifest().digest().toString());
    assertThat(proxy.requests()).as("a fresh tag never asks upstream").isEmpty();

    Thread.sleep(1_200);
    OciClient.Response moved = berth.get("/v2/hub/library/moving/manifests/v1");
    assertThat(moved.status()).isEqualTo(200);
    assertThat(moved.header("Docker-Content-Digest"))
        .isEqualTo(second.manifest().digest().toString());
    assertThat(moved.header("Content-Type")).isEqualTo(OciImages.OCI_MANIFEST);
    assertThat(moved.body()).isEqualTo(second.manifest().bytes());
    assertThat(moved.header("Warning")).isNull();
    assertThat(proxy.count("HEAD", "/v2/library/moving/manifests/v1"))
        .as("revalidation by HEAD")
        .isEqualTo(1);
    assertThat(berth.get("/v2/hub/library/moving/manifests/" + first.manifest().digest()).status())
        .as("the earlier manifest stays cached by digest")
        .isEqualTo(200);

    Thread.sleep(1_200);
    proxy.clear();
    assertThat(berth.get("/v2/hub/library/moving/manifests/v1").status()).isEqualTo(200);
    assertThat(proxy.count("HEAD", "/v2/library/moving/manifests/v1")).isEqualTo(1);
    assertThat(proxy.count("GET", "/v2/library/moving/manifests/v1"))
        .as("an unchanged tag is confirmed by HEAD alone")
        .isZero();
  }

  @Test
  void cachedContentIsNeverLostWhenTheUpstreamDeletesIt() throws Exception {
    Image img = OciImages.image(false, "arm64", 2, 40_000, 61);
    pushUpstream(img, "library/gone:v1");
    assertSameImage(pullThroughBerth("hub/library/gone:v1", "gone-1"), img);

    String d = img.manifest().digest().toString();
    OciClient upstream = new OciClient(registry.url());
    assertThat(upstream.delete("/v2/library/gone/manifests/" + d).status()).isEqualTo(202);
    for (Blob b : img.blobs()) {
      assertThat(upstream.delete("/v2/library/gone/blobs/" + b.digest()).status()).isEqualTo(202);
    }
    assertThat(upstream.get("/v2/library/gone/manifests/v1").status()).isEqualTo(404);

    Thread.sleep(1_200);
    OciClient.Response m = berth.get("/v2/hub/library/gone/manifests/v1");
    assertThat(m.status()).as("a tag the upstream deleted is kept and served").isEqualTo(200);
    assertThat(m.header("Docker-Content-Digest")).isEqualTo(d);
    assertThat(m.header("Warning")).contains("no longer has");
    assertSameImage(pullThroughBerth("hub/library/gone:v1", "gone-2"), img);
    assertThat(berth.get("/v2/hub/library/gone/tags/list").json().get("tags").toString())
        .contains("v1");
  }

  @Test
  void anIndexIsCachedAndItsChildrenAndLayersAreFetchedOnTheirOwnGet() throws Exception {
    Image amd = OciImages.image(false, "amd64", 2, 30_000, 71);
    Image arm = OciImages.image(false, "arm64", 2, 30_000, 72);
    Blob index = OciImages.index(false, List.of(amd, arm), List.of("amd64", "arm64"));
    List<Blob> all = new java.util.ArrayList<>();
    for (Image i : List.of(amd, arm)) {
      all.addAll(i.blobs());
      all.add(i.manifest());
    }
    Path layout = tmp.resolve("multi-layout");
    OciImages.writeLayout(layout, all, index, "t");
    skopeo.ok(
        "copy",
        "--all",
        "--dest-tls-verify=false",
        "oci:" + layout + ":t",
        "docker://" + registry.hostPort() + "/library/multi:latest");
    proxy.clear();

    OciClient.Response top = berth.get("/v2/hub/library/multi/manifests/latest");
    assertThat(top.status()).isEqualTo(200);
    assertThat(top.body()).isEqualTo(index.bytes());
    RepositoryName repo = RepositoryName.parse("hub/library/multi");
    assertThat(node.ociIndex().manifest(repo, index.digest()))
        .as("the index is indexed before its children are cached")
        .isPresent();
    assertThat(node.ociIndex().manifest(repo, arm.manifest().digest())).isEmpty();
    assertThat(proxy.countContaining("/blobs/")).as("nothing fetched eagerly").isZero();

    Path out = tmp.resolve("multi-arm");
    skopeo.ok(
        "copy",
        "--override-arch",
        "arm64",
        "--src-tls-verify=false",
        "docker://" + berthHost + "/hub/library/multi:latest",
        "oci:" + out);
    Map<String, byte[]> pulled = Skopeo.layoutBlobs(out);
    for (Blob b : arm.blobs()) {
      assertThat(pulled.get(b.digest().hex())).isEqualTo(b.bytes());
    }
    assertThat(node.ociIndex().manifest(repo, arm.manifest().digest())).isPresent();
    assertThat(node.ociIndex().manifest(repo, amd.manifest().digest()))
        .as("only what was asked for is cached")
        .isEmpty();
    for (Blob b : amd.blobs()) {
      assertThat(proxy.count("GET", "/blobs/" + b.digest())).isZero();
    }
  }

  @Test
  void cachedRepositoriesAreReadOnlyForClients() throws Exception {
    Image img = OciImages.image(false, "amd64", 1, 10_000, 81);
    pushUpstream(img, "library/ro:v1");
    assertThat(berth.get("/v2/hub/library/ro/manifests/v1").status()).isEqualTo(200);

    OciClient.Response post =
        berth.send("POST", "/v2/hub/library/ro/blobs/uploads/", null, Map.of());
    assertThat(post.status()).isEqualTo(403);
    assertThat(post.errorCode()).isEqualTo("DENIED");
    assertThat(post.text()).contains("read-only pull-through cache").contains(proxy.url());
    OciClient.Response put =
        berth.putManifest("hub/library/ro", "v2", OciImages.OCI_MANIFEST, img.manifest().bytes());
    assertThat(put.status()).isEqualTo(403);
    assertThat(put.errorCode()).isEqualTo("DENIED");
    OciClient.Response del = berth.delete("/v2/hub/library/ro/manifests/v1");
    assertThat(del.status()).isEqualTo(403);
    assertThat(berth.get("/v2/hub/library/ro/manifests/v1").status())
        .as("nothing was deleted")
        .isEqualTo(200);

    Path layout = tmp.resolve("ro-layout");
    OciImages.writeLayout(layout, img.blobs(), img.manifest(), "t");
    Skopeo.Result push =
        skopeo.run(
            "copy",
            "--dest-tls-verify=false",
            "oci:" + layout + ":t",
            "docker://" + berthHost + "/hub/library/pushed:v1");
    assertThat(push.ok()).isFalse();
    assertThat(push.err()).contains("read-only pull-through cache");

    // cached content can be promoted into a local repository (mount from the cache)
    for (Blob b : img.blobs()) {
      berth.get("/v2/hub/library/ro/blobs/" + b.digest());
      OciClient.Response mount =
          berth.send(
              "POST",
              "/v2/team/ro/blobs/uploads/?mount=" + b.digest() + "&from=hub/library/ro",
              null,
              Map.of());
      assertThat(mount.status()).isEqualTo(201);
    }
    assertThat(
            berth
                .putManifest("team/ro", "v1", OciImages.OCI_MANIFEST, img.manifest().bytes())
                .status())
        .isEqualTo(201);
  }

  @Test
  void privateRepositoriesUnderAPrefixAreNeverFetchedUpstream() throws Exception {
    Image img = OciImages.image(false, "amd64", 1, 10_000, 91);
    pushUpstream(img, "corp/secret:v1");
    proxy.clear();
    OciClient.Response m = berth.get("/v2/hub/corp/secret/manifests/v1");
    assertThat(m.status()).isEqualTo(404);
    assertThat(m.errorCode()).isEqualTo("MANIFEST_UNKNOWN");
    assertThat(berth.get("/v2/hub/corp/secret/blobs/" + img.layers().get(0).digest()).status())
        .isEqualTo(404);
    assertThat(proxy.requests()).as("a private name never reaches the upstream").isEmpty();

    Digest layer = berth.pushBlob("hub/corp/secret", img.layers().get(0).bytes());
    assertThat(layer).isEqualTo(img.layers().get(0).digest());
    berth.pushBlob("hub/corp/secret", img.config().bytes());
    assertThat(
            berth
                .putManifest(
                    "hub/corp/secret", "v1", OciImages.OCI_MANIFEST, img.manifest().bytes())
                .status())
        .as("a private repository is a local one: pushable")
        .isEqualTo(201);
    assertThat(proxy.requests()).isEmpty();
  }

  @Test
  void metricsCountTheCacheAndTheUpstream() throws Exception {
    Image img = OciImages.image(false, "amd64", 1, 10_000, 95);
    pushUpstream(img, "library/metrics:v1");
    berth.get("/v2/cached/library/metrics/manifests/v1");
    berth.get("/v2/cached/library/metrics/manifests/v1");
    String metrics = Http.get(TestNodes.url(node) + "/metrics").body();
    assertThat(metrics)
        .containsPattern("berth_oci_cache_total\\{result=\"hit\"\\} [1-9]")
        .containsPattern("berth_oci_cache_total\\{result=\"miss\"\\} [1-9]")
        .contains("berth_oci_cache_total{result=\"stale\"}")
        .containsPattern(
            "berth_upstream_request_seconds_count\\{area=\"oci\",outcome=\"ok\",upstream=\""
                + java.util.regex.Pattern.quote(proxy.url())
                + "\"\\} [1-9]")
        .contains("berth_singleflight_waits_total{area=\"oci\"}");
    assertThat(JSON.readTree(berth.get("/v2/_catalog").body()).get("repositories").toString())
        .contains("cached/library/metrics");
  }
}
