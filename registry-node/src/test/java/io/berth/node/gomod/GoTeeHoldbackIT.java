package io.berth.node.gomod;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.ModulePath;
import io.berth.node.testsupport.GoUpstreamNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first client of a Go zip fill never gets the complete body of a zip Berth then rejects, even
 * when its length is an exact multiple of the response chunk size (every byte would otherwise be
 * pushed before validation): the last bytes are held back until the zip is validated.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GoTeeHoldbackIT {
  static final String BAD = "example.com/aligned/junk";

  @TempDir static Path tmp;
  GoUpstreamNode setup;
  final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  @BeforeAll
  void start() throws Exception {
    Path dir = tmp.resolve("tree").resolve(ModulePath.escape(BAD)).resolve("@v");
    Files.createDirectories(dir);
    byte[] junk = new byte[4 * 64 * 1024]; // 256 KiB: four full response chunks, not a zip
    new Random(11).nextBytes(junk);
    Files.write(dir.resolve("v1.0.0.zip"), junk);
    setup = GoUpstreamNode.start(tmp.resolve("tree"), tmp.resolve("node"));
  }

  @AfterAll
  void stop() {
    if (setup != null) {
      setup.close();
    }
  }

  @Test
  void theFirstClientOfARejectedZipNeverGetsItComplete() throws Exception {
    String path = "/" + ModulePath.escape(BAD) + "/@v/v1.0.0.zip";
    for (int i = 0; i < 3; i++) {
      HttpRequest req =
          HttpRequest.newBuilder(URI.create(setup.url() + path))
              .timeout(Duration.ofSeconds(60))
              .build();
      try {
        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as("a rejected zip is never a 200").isNotEqualTo(200);
      } catch (IOException e) {
        assertThat(e)
            .as("a broken response, not a hang")
            .isNotInstanceOf(HttpTimeoutException.class);
      }
    }
    assertThat(setup.upstream().count(path)).as("each request tried a new fill").isEqualTo(3);
    assertThatThrownBy(
            () ->
                client.send(
                    HttpRequest.newBuilder(URI.create(setup.url() + path))
                        .timeout(Duration.ofSeconds(60))
                        .build(),
                    HttpResponse.BodyHandlers.ofByteArray()))
        .isInstanceOf(IOException.class);
  }
}
