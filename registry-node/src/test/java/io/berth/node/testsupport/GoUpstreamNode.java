package io.berth.node.testsupport;

import io.berth.node.bootstrap.NodeAssembly;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A test node whose only Go upstream is a {@link StaticGoProxy} serving a module tree (no private
 * patterns, a 60 s list TTL): the set-up of tests of Go pull-through against a reference upstream
 * they can count requests of, slow down or stop.
 *
 * @param upstream the reference upstream (tests may close it early to take it down)
 * @param node the started node
 */
public record GoUpstreamNode(StaticGoProxy upstream, NodeAssembly node) implements AutoCloseable {

  /**
   * Serves {@code tree} (a GOPROXY file tree) and starts a node in {@code nodeDir} with it as the
   * upstream. If the node does not start, the upstream is closed again.
   */
  public static GoUpstreamNode start(Path tree, Path nodeDir)
      throws IOException, InterruptedException {
    StaticGoProxy upstream = new StaticGoProxy(tree);
    try {
      NodeAssembly node =
          TestNodes.start(nodeDir, c -> c.withGo(TestNodes.go(upstream.url(), List.of(), 60)));
      return new GoUpstreamNode(upstream, node);
    } catch (RuntimeException | InterruptedException e) {
      upstream.close();
      throw e;
    }
  }

  /** The node's base URL. */
  public String url() {
    return TestNodes.url(node);
  }

  /** Stops the node, then the upstream. */
  @Override
  public void close() {
    node.close();
    upstream.close();
  }
}
