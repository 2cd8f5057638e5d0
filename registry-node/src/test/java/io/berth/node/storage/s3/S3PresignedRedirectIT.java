package io.berth.node.storage.s3;

import static org.assertj.core.api.Assertions.assertThat;

import io.berth.common.ModulePath;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.testsupport.GoModules;
import io.berth.node.testsupport.GoTool;
import io.berth.node.testsupport.Http;
import io.berth.node.testsupport.S3ProxyServer;
import io.berth.node.testsupport.TestNodes;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code presignedRedirectMinBytes} set, a large {@code .zip} GET answers 307 to a presigned
 * S3 URL that carries no client credentials, a plain client fetching it gets the exact bytes, small
 * files are still served directly, and the real go command downloads through the redirect.
 */
class S3PresignedRedirectIT {
  static final String MOD = "corp.example.com/presigned/mod";

  @TempDir static Path tmp;
  static S3ProxyServer s3;
  static NodeAssembly node;

  @BeforeAll
  static void start() throws Exception {
    s3 = S3ProxyServer.start(tmp.resolve("s3"));
    node =
        TestNodes.start(
            tmp.resolve("node"),
            c -> {
              var g = c.withGo(TestNodes.go("off", List.of("corp.example.com"), 60));
              return g.withStorage(
                  g.storage().withS3(s3.config("presigned").withPresignedRedirect(100_000)));
            });
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) {
      node.close();
    }
    if (s3 != null) {
      s3.close();
    }
  }

  private static String randomHex(int n) {
    byte[] b = new byte[n / 2];
    new java.util.Random(3).nextBytes(b);
    return java.util.HexFormat.of().formatHex(b);
  }

  @Test
  void largeZipsRedirectToAPresignedUrl() throws Exception {
    Path zip =
        GoModules.zip(
            tmp.resolve("zips"),
            MOD,
            "v1.0.0",
            Map.of(
                "go.mod", "module " + MOD + "\n",
                "big.go", "package mod\n\n// " + randomHex(300_000) + "\n"));
    assertThat(Files.size(zip)).isGreaterThan(100_000);
    String url = TestNodes.url(node);
    assertThat(
            Http.putFile(
                    url + "/_berth/api/go/publish/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip",
                    zip)
                .statusCode())
        .isEqualTo(201);
    HttpClient noRedirects =
        HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();
    HttpResponse<String> r =
        noRedirects.send(
            HttpRequest.newBuilder(
                    URI.create(url + "/" + ModulePath.escape(MOD) + "/@v/v1.0.0.zip"))
                .header("Authorization", "Bearer client-secret")
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(307);
    String location = r.headers().firstValue("Location").orElseThrow();
    assertThat(location).startsWith(s3.endpoint() + "/presigned/blobs/sha256/");
    assertThat(location).contains("X-Amz-Signature=").doesNotContain("client-secret");
    assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
    HttpResponse<byte[]> direct =
        noRedirects.send(
            HttpRequest.newBuilder(URI.create(location)).build(),
            HttpResponse.BodyHandlers.ofByteArray());
    assertThat(direct.statusCode()).isEqualTo(200);
    assertThat(direct.body()).isEqualTo(Files.readAllBytes(zip));
    assertThat(Http.get(url + "/" + ModulePath.escape(MOD) + "/@v/v1.0.0.mod").statusCode())
        .as("small files are served directly")
        .isEqualTo(200);

    GoTool.requireGo();
    GoTool go = new GoTool(tmp.resolve("gohome")).env("GOPROXY", url).env("GOSUMDB", "off");
    GoTool.Result dl = go.run(tmp, "mod", "download", "-json", MOD + "@v1.0.0");
    assertThat(dl.ok()).as(dl.stderr() + dl.stdout()).isTrue();
  }
}
