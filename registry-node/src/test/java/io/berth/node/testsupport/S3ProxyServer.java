package io.berth.node.testsupport;

import io.berth.node.config.NodeConfig;
import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real S3-compatible server for tests: {@code org.gaul:s3proxy} with the jclouds {@code
 * filesystem} backend on a directory, in its own JVM (so a test can stop or kill it), on a free
 * loopback port. {@link #restart} brings it back on the same port with the same data. Objects are
 * plain files under {@code <dir>/data/<bucket>/<key>}, so a test can corrupt one on disk.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS_KEY = "berth-test";
  public static final String SECRET_KEY = "berth-test-secret";

  private final Path dir;
  private final int port;
  private JavaProcess process;

  private S3ProxyServer(Path dir, int port) {
    this.dir = dir;
    this.port = port;
  }

  /** Starts a server keeping its objects under {@code dir}. */
  public static S3ProxyServer start(Path dir) throws IOException, InterruptedException {
    Files.createDirectories(dir.resolve("data"));
    S3ProxyServer s = new S3ProxyServer(dir, NodeProcess.freePort());
    s.launch();
    return s;
  }

  private void launch() throws IOException, InterruptedException {
    Path props = dir.resolve("s3proxy.properties");
    Files.writeString(
        props,
        String.join(
            "\n",
            "s3proxy.endpoint=http://127.0.0.1:" + port,
            "s3proxy.authorization=aws-v2-or-v4",
            "s3proxy.identity=" + ACCESS_KEY,
            "s3proxy.credential=" + SECRET_KEY,
            "s3proxy.ignore-unknown-headers=true",
            "jclouds.provider=filesystem",
            "jclouds.filesystem.basedir=" + dir.resolve("data"),
            "jclouds.identity=" + ACCESS_KEY,
            "jclouds.credential=" + SECRET_KEY,
            ""));
    process =
        JavaProcess.start(
            "org.gaul.s3proxy.Main",
            List.of("--properties", props.toString()),
            Map.of(),
            List.of("-Xmx256m"),
            dir.resolve("s3proxy.log"));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("s3proxy exited:\n" + process.output());
      }
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError("s3proxy not listening in 60 s:\n" + process.output());
  }

  /** The endpoint URL, e.g. {@code http://127.0.0.1:34567}. */
  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** An S3 config section for {@code bucket} on this server, with short test retries. */
  public NodeConfig.S3Section config(String bucket) {
    return NodeConfig.S3Section.of(endpoint(), bucket, ACCESS_KEY, SECRET_KEY)
        .withRetries(10, 3, 100);
  }

  /** The file holding {@code key} of {@code bucket} (filesystem backend). */
  public Path objectFile(String bucket, String key) {
    return dir.resolve("data").resolve(bucket).resolve(key);
  }

  /** The directory of {@code bucket}'s objects. */
  public Path bucketDir(String bucket) {
    return dir.resolve("data").resolve(bucket);
  }

  /**
   * Whether parts of a multipart upload to {@code bucket} are arriving right now (the filesystem
   * backend keeps them as {@code .mpus-<id>-<key>-<n>} files until the upload completes).
   */
  public boolean multipartPartsArriving(String bucket) throws IOException {
    try (java.util.stream.Stream<Path> s = Files.walk(bucketDir(bucket))) {
      return s.anyMatch(
          p ->
              p.toString().contains("/.mpus-")
                  && p.getFileName().toString().matches(".*-[0-9]+")
                  && Files.isRegularFile(p));
    } catch (java.io.UncheckedIOException | java.nio.file.NoSuchFileException e) {
      return false; // a file vanished while walking
    }
  }

  /** Stops the server (SIGKILL: an outage, not a clean shutdown). */
  public void stop() throws InterruptedException {
    if (process != null) {
      process.kill9();
    }
  }

  /** Starts the server again on the same port with the same data. */
  public void restart() throws IOException, InterruptedException {
    stop();
    launch();
  }

  public boolean isRunning() {
    return process != null && process.isAlive();
  }

  public String output() {
    return process == null ? "" : process.output();
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }
}
