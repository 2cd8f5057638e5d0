package io.berth.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.ConfigLoader;
import io.berth.node.config.NodeConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The shape shared by {@code berth gc} and {@code berth scrub}: load the config, apply the
 * command's overrides, open the stopped node, run the job once, print its report (text or {@code
 * --json}) and exit with the job's code.
 *
 * @param <R> the job's report
 */
abstract class MaintenanceCommand<R> implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config"},
      description = "The node's YAML config file. Env: BERTH_CONFIG.")
  Path config;

  @Option(names = "--data-dir", description = "Override storage.dataDir.")
  String dataDir;

  @Option(names = "--json", description = "Print the report as JSON.")
  boolean json;

  @Option(
      names = "--wait-seconds",
      defaultValue = "30",
      description = "How long to wait for ownership (lock or ZooKeeper leadership).")
  long waitSeconds;

  /** The admin endpoint that runs the job on a running node (named when the index is locked). */
  abstract String endpoint();

  /** The config with this command's overrides applied. */
  abstract NodeConfig configure(NodeConfig cfg);

  /**
   * Runs the job once.
   *
   * @throws CliException when the job is refused or owned by another process
   */
  abstract R run(NodeAssembly.Maintenance m, Duration waitForOwnership) throws Exception;

  /** Prints the report for a person. */
  abstract void printText(R report, PrintWriter out);

  /** The exit code for the report. */
  abstract int exitCode(R report);

  @Override
  public final Integer call() throws Exception {
    NodeConfig cfg = configure(loadConfig());
    try (NodeAssembly node = open(cfg, endpoint())) {
      R report = run(node.maintenance(), Duration.ofSeconds(waitSeconds));
      PrintWriter out = spec.commandLine().getOut();
      if (json) {
        out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(report));
      } else {
        printText(report, out);
      }
      out.flush();
      return exitCode(report);
    }
  }

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
