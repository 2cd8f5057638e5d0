package io.berth.node.testsupport;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;

/** Builds in-process nodes on a free loopback port with a temporary data directory. */
public final class TestNodes {
  private TestNodes() {}

  /**
   * Test nodes may publish any module path (go.publishPatterns "*"); publish refusals are tested
   * with explicit patterns.
   */
  public static final List<String> ANY = List.of("*");

  /** A config for a test node: 127.0.0.1, port 0, no upstream, no access log noise. */
  public static NodeConfig config(Path dataDir) {
    return config(dataDir, 60);
  }

  /** Like {@link #config(Path)} with another request-body timeout. */
  public static NodeConfig config(Path dataDir, long bodyTimeoutSeconds) {
    NodeConfig d = NodeConfig.defaults();
    return new NodeConfig(
        new NodeConfig.NodeSection("test-node", "test"),
        new NodeConfig.HttpSection("127.0.0.1", 0, 32, false, bodyTimeoutSeconds),
        new NodeConfig.StorageSection("file", dataDir.toString()),
        new NodeConfig.GoSection("off", List.of(), 60L, 500L << 20, 10L, "", ANY),
        d.sumdb(),
        d.oci(),
        d.cluster());
  }

  /** Starts a node with {@link #config} modified by {@code customize}. */
  public static NodeAssembly start(Path dataDir, UnaryOperator<NodeConfig> customize)
      throws InterruptedException {
    return new NodeAssembly(customize.apply(config(dataDir))).start();
  }

  /** A Go section with a lowered zip size limit. */
  public static NodeConfig.GoSection go(
      String upstreams, List<String> privatePatterns, long ttlSeconds, long maxZipBytes) {
    return new NodeConfig.GoSection(
        upstreams, privatePatterns, ttlSeconds, maxZipBytes, 10L, "", ANY);
  }

  /** The base URL of a started node. */
  public static String url(NodeAssembly node) {
    return "http://127.0.0.1:" + node.port();
  }

  /** A Go section with the given upstreams, private patterns and TTL. */
  public static NodeConfig.GoSection go(
      String upstreams, List<String> privatePatterns, long ttlSeconds) {
    return new NodeConfig.GoSection(
        upstreams, privatePatterns, ttlSeconds, 500L << 20, 10L, "", ANY);
  }
}
