package io.berth.node.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.gc.GcHandler;
import io.berth.node.gc.GcRefusedException;
import io.berth.node.gc.GcReport;
import io.berth.node.gc.GcSafety;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code berth gc}: garbage-collects unreferenced blobs of a stopped node's storage (for a running
 * node use {@code POST /_berth/api/gc}). On shared storage (a bucket, a shared directory) a stopped
 * node's index is not current, so deleting is refused (dry runs are allowed) unless {@code
 * --i-know-the-index-is-complete} is given.
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
      names = "--i-know-the-index-is-complete",
      description =
          "On shared storage (s3, sharedBlobDir): delete even though this stopped node's index"
              + " may lack other nodes' references. Only when no other node writes to the storage"
              + " or this index is known to hold every reference.")
  boolean indexComplete;

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
                          g.dryRun(),
                          g.soleWriter())));
    }
    try (NodeAssembly node = open(cfg, GcHandler.PATH)) {
      NodeAssembly.Maintenance m = node.maintenance();
      Optional<GcReport> report;
      try {
        report = m.gc().runNow(dryRun, Duration.ofSeconds(waitSeconds), indexComplete);
      } catch (GcRefusedException e) {
        throw new CliException(refusal(e.refusal()));
      }
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

  /** Why {@code berth gc} will not delete here, and the ways forward. */
  static String refusal(GcSafety.Refusal r) {
    return "refusing to delete blobs: "
        + r.reason()
        + ".\nA stopped node's index may lack blobs other nodes referenced since it stopped, and"
        + " deleting them would lose data. Instead:\n"
        + "  - run it through the running GC owner (the node that applies the region log):"
        + " curl -X POST 'http://<node>"
        + GcHandler.PATH
        + "' (add ?dryRun=true to preview)\n"
        + "  - or only look: berth gc --dry-run\n"
        + "  - or, if no other node writes to this storage (or this index is known to hold every"
        + " reference): berth gc --i-know-the-index-is-complete";
  }
}
