package io.berth.node.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Debian's {@code docker-registry} (distribution 2.8) run by a test: filesystem storage in a
 * directory, listening on a free loopback port, deletes enabled. It can be stopped and started
 * again on the same port and storage.
 */
public final class DockerRegistry implements AutoCloseable {
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Path dir;
  private final int port;
  private Process process;

  private DockerRegistry(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Fails with the install hint when docker-registry is missing. */
  public static void require() {
    if (!Files.isExecutable(Path.of("/usr/bin/docker-registry"))) {
      throw new AssertionError(
          "Debian's docker-registry is required: apt-get install -y docker-registry"
              + " (bin/test-all installs it)");
    }
  }

  /** Starts a registry with its storage and config under {@code dir}. */
  public static DockerRegistry start(Path dir) throws Exception {
    require();
    Files.createDirectories(dir.resolve("storage"));
    DockerRegistry r = new DockerRegistry(dir, NodeProcess.freePort());
    Files.writeString(
        dir.resolve("config.yml"),
        String.join(
            "\n",
            "version: 0.1",
            "log:",
            "  level: warn",
            "  accesslog:",
            "    disabled: true",
            "storage:",
            "  filesystem:",
            "    rootdirectory: " + dir.resolve("storage"),
            "  delete:",
            "    enabled: true",
            "http:",
            "  addr: 127.0.0.1:" + r.port,
            "  secret: berth-test-secret",
            ""));
    r.startProcess();
    return r;
  }

  private void startProcess() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(
                "/usr/bin/docker-registry", "serve", dir.resolve("config.yml").toString())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("registry.log").toFile()));
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError(
            "docker-registry exited: " + Files.readString(dir.resolve("registry.log")));
      }
      try {
        HttpResponse<Void> r =
            CLIENT.send(
                HttpRequest.newBuilder(URI.create(url() + "/v2/"))
                    .timeout(Duration.ofSeconds(2))
                    .build(),
                HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("docker-registry did not answer /v2/ within 60 s");
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  /** {@code 127.0.0.1:<port>}, for docker:// references. */
  public String hostPort() {
    return "127.0.0.1:" + port;
  }

  /** Stops the registry (SIGTERM, then SIGKILL); its storage stays. */
  public void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    }
  }

  /** Starts it again on the same port and storage. */
  public void restart() throws Exception {
    stop();
    startProcess();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
