package io.berth.node.testsupport;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** A registry node in its own JVM ({@code berth serve}), for crash tests that kill -9 it. */
public final class NodeProcess implements AutoCloseable {
  private final JavaProcess process;
  private final String host;
  private final int port;

  private NodeProcess(JavaProcess process, String host, int port) {
    this.process = process;
    this.host = host;
    this.port = port;
  }

  /**
   * Starts a node listening on {@code host:port} (any 127.x.y.z address; a fixed port lets a test
   * stop and restart the node where clients expect it) with {@code dataDir} and extra BERTH_* env.
   */
  public static NodeProcess start(
      String host, int port, Path dataDir, Map<String, String> env, Path log)
      throws IOException, InterruptedException {
    return start(host, port, dataDir, env, log, List.of());
  }

  /** Like {@link #start(String, int, Path, Map, Path)} with extra JVM options. */
  public static NodeProcess start(
      String host,
      int port,
      Path dataDir,
      Map<String, String> env,
      Path log,
      List<String> jvmOptions)
      throws IOException, InterruptedException {
    Map<String, String> all = new HashMap<>();
    all.put("BERTH_HTTP_ACCESS_LOG", "false");
    all.put("BERTH_NODE_ID", "crash-node");
    all.put("BERTH_GO_PUBLISH_PATTERNS", "*"); // test nodes publish any path unless told otherwise
    all.putAll(env);
    all.put("BERTH_HTTP_HOST", host);
    JavaProcess p =
        JavaProcess.start(
            "io.berth.node.Main",
            List.of("serve", "--port", Integer.toString(port), "--data-dir", dataDir.toString()),
            all,
            jvmOptions,
            log);
    NodeProcess n = new NodeProcess(p, host, port);
    n.awaitHealthy(Duration.ofSeconds(60));
    return n;
  }

  /** Starts a node on a free loopback port with {@code dataDir} and extra BERTH_* env. */
  public static NodeProcess start(Path dataDir, Map<String, String> env, Path log)
      throws IOException, InterruptedException {
    return start(dataDir, env, log, "127.0.0.1");
  }

  /**
   * Like {@link #start(Path, Map, Path)} on another loopback address ({@code 127.x.y.z}), for
   * clusters whose nodes must have distinct addresses.
   */
  public static NodeProcess start(Path dataDir, Map<String, String> env, Path log, String host)
      throws IOException, InterruptedException {
    return start(dataDir, env, log, host, List.of());
  }

  /**
   * Like {@link #start(Path, Map, Path, String)} with extra JVM options (e.g. {@code -Xmx128m};
   * they come after the defaults, so they win).
   */
  public static NodeProcess start(
      Path dataDir, Map<String, String> env, Path log, String host, List<String> jvmOptions)
      throws IOException, InterruptedException {
    return start(host, freePort(host), dataDir, env, log, jvmOptions);
  }

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** A free port on {@code host}. */
  public static int freePort(String host) throws IOException {
    try (ServerSocket s = new ServerSocket(0, 50, java.net.InetAddress.getByName(host))) {
      return s.getLocalPort();
    }
  }

  private void awaitHealthy(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new AssertionError("node process exited:\n" + process.output());
      }
      try {
        if (Http.get(url() + "/healthz").statusCode() == 200) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(100);
    }
    throw new AssertionError("node not healthy in " + timeout + ":\n" + process.output());
  }

  public String url() {
    return "http://" + host + ":" + port;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public int port() {
    return port;
  }

  public String host() {
    return host;
  }

  /** The JVM's process id (to pause it with SIGSTOP, for example). */
  public long pid() {
    return process.pid();
  }

  public void kill9() throws InterruptedException {
    process.kill9();
  }

  public void stop() throws InterruptedException {
    process.stop();
  }

  public String output() {
    return process.output();
  }

  @Override
  public void close() throws InterruptedException {
    process.close();
  }
}
