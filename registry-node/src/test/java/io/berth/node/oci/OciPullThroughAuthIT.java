package io.berth.node.oci;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.Digest;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.testsupport.DockerRegistry;
import io.berth.node.testsupport.OciClient;
import io.berth.node.testsupport.OciImages;
import io.berth.node.testsupport.OciImages.Blob;
import io.berth.node.testsupport.OciImages.Image;
import io.berth.node.testsupport.RegistryProxy;
import io.berth.node.testsupport.Skopeo;
import io.berth.node.testsupport.TestNodes;
import io.berth.node.testsupport.TokenServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Upstream credentials: Debian's docker-registry behind a proxy that demands Docker token auth (401
 * + {@code WWW-Authenticate: Bearer realm,service,scope}, tokens from a tiny token server that
 * checks basic credentials), and behind a proxy that demands basic auth. Berth follows the token
 * flow with the configured credentials and caches the token; wrong credentials give the client a
 * clear {@code DENIED} error, not a 500.
 */
class OciPullThroughAuthIT {
  static final String USER = "puller";
  static final String PASSWORD = "s3cret";

  @TempDir static Path tmp;
  static DockerRegistry registry;
  static TokenServer tokens;
  static RegistryProxy tokenGate;
  static RegistryProxy basicGate;
  static NodeAssembly node;
  static Skopeo skopeo;
  static OciClient berth;
  static Image img;

  @BeforeAll
  static void start() throws Exception {
    Skopeo.require();
    skopeo = new Skopeo(tmp.resolve("skopeo"));
    registry = DockerRegistry.start(tmp.resolve("registry"));
    tokens = new TokenServer(USER, PASSWORD, 300);
    tokenGate = new RegistryProxy(registry.url()).requireToken(tokens);
    basicGate = new RegistryProxy(registry.url()).requireBasic(USER, PASSWORD);
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c ->
                c.withOci(
                    c.oci()
                        .withUpstreams(
                            List.of(
                                new NodeConfig.OciUpstream(
                                    "tok", tokenGate.url(), USER, PASSWORD, 60L, ""),
                                new NodeConfig.OciUpstream(
                                    "badtok", tokenGate.url(), USER, "wrong", 60L, ""),
                                new NodeConfig.OciUpstream(
                                    "anon", tokenGate.url(), "", "", 60L, ""),
                                new NodeConfig.OciUpstream(
                                    "basic", basicGate.url(), USER, PASSWORD, 60L, "library"),
                                new NodeConfig.OciUpstream(
                                    "badbasic", basicGate.url(), USER, "nope", 60L, "library")),
                            List.of())));
    berth = new OciClient(TestNodes.url(node));
    img = OciImages.image(false, "amd64", 2, 50_000, 201);
    Path layout = tmp.resolve("layout");
    OciImages.writeLayout(layout, img.blobs(), img.manifest(), "t");
    skopeo.ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":t",
        "docker://" + registry.hostPort() + "/library/app:v1");
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    for (AutoCloseable c : new AutoCloseable[] {tokenGate, basicGate, tokens, registry}) {
      if (c != null) {
        c.close();
      }
    }
  }

  @Test
  void theTokenFlowWithCredentialsPullsAndTheTokenIsCached() throws Exception {
    Path out = tmp.resolve("tok-out");
    skopeo.ok(
        "copy",
        "--src-tls-verify=false",
        "docker://127.0.0.1:" + node.port() + "/tok/library/app:v1",
        "oci:" + out);
    Map<String, byte[]> pulled = Skopeo.layoutBlobs(out);
    for (Blob b : img.blobs()) {
      assertThat(pulled.get(b.digest().hex())).isEqualTo(b.bytes());
    }
    List<TokenServer.Request> asked =
        tokens.requests().stream().filter(r -> r.scope().contains("library/app")).toList();
    assertThat(asked).as("one token for the manifest and every blob").hasSize(1);
    assertThat(asked.get(0).granted()).isTrue();
    assertThat(asked.get(0).service()).isEqualTo("berth-test");
    assertThat(asked.get(0).scope()).isEqualTo("repository:library/app:pull");
    long bearer =
        tokenGate.requests().stream()
            .filter(r -> r.authorization() != null && r.authorization().startsWith("Bearer "))
            .count();
    assertThat(bearer).as("manifest + config + 2 layers with the token").isGreaterThanOrEqualTo(4);

    tokens.revokeAll();
    OciClient.Response again =
        berth.get("/v2/tok/library/app/manifests/" + img.manifest().digest());
    assertThat(again.status()).as("cached: no upstream needed").isEqualTo(200);
    OciClient.Response fresh = berth.get("/v2/tok/library/other/manifests/v1");
    assertThat(fresh.status()).as("a repository that does not exist upstream").isIn(403, 404);
    assertThat(tokens.requests().stream().filter(r -> r.scope().contains("library/other")))
        .as("a new repository gets its own token")
        .isNotEmpty();
  }

  @Test
  void aRejectedTokenIsFetchedAgain() throws Exception {
    Image other = OciImages.image(false, "amd64", 1, 10_000, 202);
    Path layout = tmp.resolve("layout-2");
    OciImages.writeLayout(layout, other.blobs(), other.manifest(), "t");
    skopeo.ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":t",
        "docker://" + registry.hostPort() + "/library/rotate:v1");
    assertThat(berth.get("/v2/tok/library/rotate/manifests/v1").status()).isEqualTo(200);
    long before = tokens.requests().size();
    tokens.revokeAll();
    OciClient.Response blob =
        berth.get("/v2/tok/library/rotate/blobs/" + other.layers().get(0).digest());
    assertThat(blob.status()).isEqualTo(200);
    assertThat(blob.body()).isEqualTo(other.layers().get(0).bytes());
    assertThat(tokens.requests().size()).isEqualTo(before + 1);
  }

  @Test
  void aRedirectToStorageNeverCarriesTheToken() throws Exception {
    Image other = OciImages.image(false, "amd64", 1, 30_000, 203);
    Path layout = tmp.resolve("layout-3");
    OciImages.writeLayout(layout, other.blobs(), other.manifest(), "t");
    skopeo.ok(
        "copy",
        "--dest-tls-verify=false",
        "oci:" + layout + ":t",
        "docker://" + registry.hostPort() + "/library/redirected:v1");
    tokenGate.redirectBlobs(true);
    try {
      Digest layer = other.layers().get(0).digest();
      OciClient.Response blob = berth.get("/v2/tok/library/redirected/blobs/" + layer);
      assertThat(blob.status()).isEqualTo(200);
      assertThat(blob.body()).isEqualTo(other.layers().get(0).bytes());
      List<RegistryProxy.Request> storage =
          tokenGate.requests().stream()
              .filter(r -> r.path().startsWith("/_storage/") && r.path().endsWith(layer.toString()))
              .toList();
      assertThat(storage).hasSize(1);
      assertThat(storage.get(0).authorization()).as("no Authorization after a redirect").isNull();
      assertThat(
              tokenGate.requests().stream()
                  .filter(
                      r ->
                          r.path().equals("/v2/library/redirected/blobs/" + layer)
                              && r.authorization() != null
                              && r.authorization().startsWith("Bearer ")))
          .as("the registry itself got the token")
          .isNotEmpty();
    } finally {
      tokenGate.redirectBlobs(false);
    }
  }

  @Test
  void wrongOrMissingCredentialsGiveAClearDeniedError() {
    OciClient.Response bad = berth.get("/v2/badtok/library/app/manifests/v1");
    assertThat(bad.status()).as(bad.toString()).isEqualTo(403);
    assertThat(bad.errorCode()).isEqualTo("DENIED");
    assertThat(bad.text())
        .contains("token server")
        .contains("refused the configured credentials")
        .contains("oci.upstreams")
        .doesNotContain("wrong");
    OciClient.Response anon = berth.get("/v2/anon/library/app/manifests/v1");
    assertThat(anon.status()).isEqualTo(403);
    assertThat(anon.text()).contains("anonymous");
    OciClient.Response basicBad = berth.get("/v2/badbasic/app/manifests/v1");
    assertThat(basicBad.status()).isEqualTo(403);
    assertThat(basicBad.errorCode()).isEqualTo("DENIED");
    assertThat(basicBad.text()).contains("refused the configured credentials (Basic auth)");
  }

  @Test
  void basicAuthAndARemotePrefix() throws Exception {
    Path out = tmp.resolve("basic-out");
    skopeo.ok(
        "copy",
        "--src-tls-verify=false",
        "docker://127.0.0.1:" + node.port() + "/basic/app:v1",
        "oci:" + out);
    assertThat(Skopeo.layoutBlobs(out)).containsKey(img.manifest().digest().hex());
    assertThat(basicGate.count("GET", "/v2/library/app/manifests/v1"))
        .as("basic/app is library/app upstream")
        .isGreaterThanOrEqualTo(1);
    Skopeo.Result denied =
        skopeo.run(
            "inspect",
            "--tls-verify=false",
            "docker://127.0.0.1:" + node.port() + "/badbasic/app:v1");
    assertThat(denied.ok()).isFalse();
    assertThat(denied.err()).contains("denied").contains("refused the configured credentials");
  }
}
