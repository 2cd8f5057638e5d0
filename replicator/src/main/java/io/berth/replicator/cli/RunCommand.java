package io.berth.replicator.cli;

import io.berth.replicator.bootstrap.ReplicatorAssembly;
import io.berth.replicator.config.ConfigLoader;
import io.berth.replicator.config.ReplicatorConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth replicator run --config <file>}: runs a replicator instance until stopped. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description =
        "Run a replicator instance: it competes for the configured links in ZooKeeper and"
            + " replicates the ones it owns.")
public final class RunCommand implements Callable<Integer> {
  @Option(
      names = {"-c", "--config"},
      description =
          "YAML config file (see deploy/replicator.example.yaml). Env: BERTH_REPLICATOR_CONFIG.")
  Path config;

  @Override
  public Integer call() throws Exception {
    Path file = config;
    if (file == null && System.getenv("BERTH_REPLICATOR_CONFIG") != null) {
      file = Path.of(System.getenv("BERTH_REPLICATOR_CONFIG"));
    }
    ReplicatorConfig cfg = ConfigLoader.load(file, System.getenv());
    ReplicatorAssembly replicator = new ReplicatorAssembly(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  replicator.close();
                  stopped.countDown();
                },
                "berth-replicator-shutdown"));
    replicator.start();
    System.err.println(
        "berth: replicator "
            + cfg.instanceId()
            + " status on http://"
            + cfg.http().host()
            + ":"
            + replicator.port()
            + "/status");
    stopped.await();
    return 0;
  }
}
