package io.berth.node.cli;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.ConfigLoader;
import io.berth.node.config.NodeConfig;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options and node opening shared by {@code berth gc} and {@code berth scrub}. */
abstract class MaintenanceCommand {

  @Option(
      names = {"-c", "--config"},
      description = "The node's YAML config file. Env: BERTH_CONFIG.")
  Path config;

  @Option(names = "--data-dir", description = "Override storage.dataDir.")
  String dataDir;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  NodeConfig loadConfig() {
    Path file = config;
    if (file == null && System.getenv("BERTH_CONFIG") != null) {
      file = Path.of(System.getenv("BERTH_CONFIG"));
    }
    NodeConfig cfg = ConfigLoader.load(file, System.getenv());
    return dataDir == null ? cfg : cfg.withDataDir(dataDir);
  }

  /** Opens the node's storage and index without serving; fails clearly if the node is running. */
  static NodeAssembly open(NodeConfig cfg, String endpoint) {
    try {
      return new NodeAssembly(cfg);
    } catch (RuntimeException e) {
      throw new CliException(
          "cannot open the node's index in "
              + cfg.storage().indexDir()
              + " ("
              + e.getMessage()
              + "). If the node is running, trigger it there instead: curl -X POST"
              + " http://<node>"
              + endpoint);
    }
  }
}
