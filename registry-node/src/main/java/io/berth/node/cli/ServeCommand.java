package io.berth.node.cli;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.ConfigLoader;
import io.berth.node.config.NodeConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth serve}: runs a registry node until interrupted. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = "Run a registry node (GOPROXY, checksum-DB proxy) on one HTTP port.")
public final class ServeCommand implements Callable<Integer> {

  @Option(
      names = {"-c", "--config"},
      description = "YAML config file (see deploy/berth.example.yaml). Env: BERTH_CONFIG.")
  Path config;

  @Option(names = "--port", description = "Override http.port.")
  Integer port;

  @Option(names = "--data-dir", description = "Override storage.dataDir.")
  String dataDir;

  @Override
  public Integer call() throws Exception {
    Path file = config;
    if (file == null && System.getenv("BERTH_CONFIG") != null) {
      file = Path.of(System.getenv("BERTH_CONFIG"));
    }
    NodeConfig cfg = ConfigLoader.load(file, System.getenv());
    if (port != null) {
      cfg = cfg.withHttpPort(port);
    }
    if (dataDir != null) {
      cfg = cfg.withDataDir(dataDir);
    }
    NodeAssembly node = new NodeAssembly(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  node.close();
                  stopped.countDown();
                },
                "berth-shutdown"));
    node.start();
    System.err.println(
        "berth: node "
            + cfg.node().id()
            + " serving on http://"
            + cfg.http().host()
            + ":"
            + node.port()
            + " (data in "
            + cfg.storage().dataDir()
            + ")");
    stopped.await();
    return 0;
  }
}
