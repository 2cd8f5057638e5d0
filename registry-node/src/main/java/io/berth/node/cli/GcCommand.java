package io.berth.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.gc.GcHandler;
import io.berth.node.gc.GcReport;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth gc}: garbage-collects unreferenced blobs of a stopped node's storage (for a running
 * node use {@code POST /_berth/api/gc}).
 */
@Command(
    name = "gc",
    mixinStandardHelpOptions = true,
    description = {
      "Delete blobs no index entry references and that were not written for the grace period.",
      "Works on a stopped node's data dir and config; on a running node use"
          + " POST /_berth/api/gc?dryRun=true|false."
    })
public final class GcCommand extends MaintenanceCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--dry-run",
      description = "Only print what would be deleted, and how many bytes.")
  boolean dryRun;

  @Option(
      names = "--grace-minutes",
      description = "Override storage.gc.graceMinutes (blobs written more recently are kept).")
  Long graceMinutes;

  @Option(
      names = "--wait-seconds",
      defaultValue = "30",
      description = "How long to wait for ownership (lock or ZooKeeper leadership).")
  long waitSeconds;

  @Override
  public Integer call() throws Exception {
    NodeConfig cfg = loadConfig();
    if (graceMinutes != null) {
      NodeConfig.GcSection g = cfg.storage().gc();
      cfg =
          cfg.withStorage(
              cfg.storage()
                  .withGc(
                      new NodeConfig.GcSection(
                          g.enabled(),
                          g.intervalMinutes(),
                          g.initialDelayMinutes(),
                          graceMinutes,
                          g.dryRun())));
    }
    try (NodeAssembly node = open(cfg, GcHandler.PATH)) {
      NodeAssembly.Maintenance m = node.maintenance();
      Optional<GcReport> report = m.gc().runNow(dryRun, Duration.ofSeconds(waitSeconds));
      if (report.isEmpty()) {
        throw new CliException(
            "garbage collection is owned by "
                + m.gc().owner()
                + "; run it there or wait for it to finish");
      }
      GcReport r = report.get();
      var out = spec.commandLine().getOut();
      if (json) {
        out.println(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(r));
      } else {
        for (GcReport.Deleted d : r.deleted()) {
          out.println((r.dryRun() ? "would delete " : "deleted ") + d.digest() + " " + d.size());
        }
        out.println(r.summary());
      }
      out.flush();
      return r.aborted().isEmpty() ? 0 : 1;
    }
  }
}
