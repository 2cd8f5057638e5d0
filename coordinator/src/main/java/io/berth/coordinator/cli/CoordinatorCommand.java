package io.berth.coordinator.cli;

import io.berth.coordinator.bootstrap.CoordinatorAssembly;
import io.berth.coordinator.config.CoordinatorConfig;
import io.berth.coordinator.config.CoordinatorConfigLoader;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth coordinator}: runs a coordinator (DNS, resolve API, election) until stopped. */
@Command(
    name = "coordinator",
    mixinStandardHelpOptions = true,
    description = "Run a coordinator: authoritative DNS, HTTP/gRPC resolve API, routing table.")
public final class CoordinatorCommand implements Callable<Integer> {

  @Option(
      names = {"-c", "--config"},
      description =
          "YAML config file (see deploy/coordinator.example.yaml). Env: BERTH_COORD_CONFIG.")
  Path config;

  @Override
  public Integer call() throws Exception {
    Path file = config;
    String fromEnv = System.getenv(CoordinatorConfigLoader.ENV_PREFIX + "CONFIG");
    if (file == null && fromEnv != null && !fromEnv.isBlank()) {
      file = Path.of(fromEnv);
    }
    CoordinatorConfig cfg = CoordinatorConfigLoader.load(file, System.getenv());
    CoordinatorAssembly c = new CoordinatorAssembly(cfg);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  c.close();
                  stopped.countDown();
                },
                "berth-coordinator-shutdown"));
    try {
      c.start();
    } catch (IOException e) {
      throw new CliException(e.getMessage());
    }
    System.err.println(
        "berth: coordinator "
            + cfg.coordinator().id()
            + " DNS on "
            + cfg.dns().host()
            + ":"
            + c.dnsPort()
            + " (zone "
            + cfg.dns().zone()
            + "), resolve API on "
            + c.httpUrl()
            + (c.grpcPort() >= 0 ? ", gRPC on port " + c.grpcPort() : ""));
    stopped.await();
    return 0;
  }
}
