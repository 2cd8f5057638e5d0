package io.berth.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.scrub.ScrubHandler;
import io.berth.node.scrub.ScrubReport;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code berth scrub}: re-hashes every stored blob of a stopped node's storage. */
@Command(
    name = "scrub",
    mixinStandardHelpOptions = true,
    description = {
      "Re-hash every stored blob; quarantine corrupt ones and repair them from upstream.",
      "Works on a stopped node's data dir and config; on a running node use"
          + " POST /_berth/api/scrub. Exit code 3 when corrupt blobs were found."
    })
public final class ScrubCommand extends MaintenanceCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--bytes-per-second",
      description = "Override storage.scrub.bytesPerSecond (the read rate).")
  Long bytesPerSecond;

  @Option(
      names = "--wait-seconds",
      defaultValue = "30",
      description = "How long to wait for ownership (lock or ZooKeeper leadership).")
  long waitSeconds;

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg = loadConfig();
    if (bytesPerSecond != null) {
      NodeConfig.ScrubSection s = cfg.storage().scrub();
      cfg =
          cfg.withStorage(
              cfg.storage()
                  .withScrub(
                      new NodeConfig.ScrubSection(
                          s.enabled(),
                          s.intervalHours(),
                          s.initialDelayMinutes(),
                          bytesPerSecond,
                          s.quarantine(),
                          s.repair())));
    }
    try (NodeAssembly node = open(cfg, ScrubHandler.PATH)) {
      NodeAssembly.Maintenance m = node.maintenance();
      Optional<ScrubReport> report = m.scrub().runNow(Duration.ofSeconds(waitSeconds));
      if (report.isEmpty()) {
        throw new CliException("scrub is owned by " + m.scrub().owner() + "; run it there");
      }
      ScrubReport r = report.get();
      var out = spec.commandLine().getOut();
      if (json) {
        out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
      } else {
        for (ScrubReport.Corrupt c : r.corrupt()) {
          out.println(
              "corrupt "
                  + c.digest()
                  + " (hashes to "
                  + c.actual()
                  + ")"
                  + (c.quarantined() ? ", quarantined" : "")
                  + (c.repairedFrom().isEmpty() ? "" : ", repaired from " + c.repairedFrom()));
        }
        out.println(r.summary());
      }
      out.flush();
      return r.corruptBlobs() > 0 ? 3 : 0;
    }
  }
}
