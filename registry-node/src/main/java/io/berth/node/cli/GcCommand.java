package io.berth.node.cli;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.gc.GcHandler;
import io.berth.node.gc.GcRefusedException;
import io.berth.node.gc.GcReport;
import io.berth.node.gc.GcSafety;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

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
public final class GcCommand extends MaintenanceCommand<GcReport> {

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

  @Override
  String endpoint() {
    return GcHandler.PATH;
  }

  @Override
  NodeConfig configure(NodeConfig cfg) {
    if (graceMinutes == null) {
      return cfg;
    }
    return cfg.withStorage(cfg.storage().withGc(cfg.storage().gc().withGraceMinutes(graceMinutes)));
  }

  @Override
  GcReport run(NodeAssembly.Maintenance m, Duration waitForOwnership) throws Exception {
    try {
      return m.gc()
          .runNow(dryRun, waitForOwnership, indexComplete)
          .orElseThrow(
              () ->
                  new CliException(
                      "garbage collection is owned by "
                          + m.gc().owner()
                          + "; run it there or wait for it to finish"));
    } catch (GcRefusedException e) {
      throw new CliException(refusal(e.refusal()));
    }
  }

  @Override
  void printText(GcReport r, PrintWriter out) {
    for (GcReport.Deleted d : r.deleted()) {
      out.println((r.dryRun() ? "would delete " : "deleted ") + d.digest() + " " + d.size());
    }
    out.println(r.summary());
  }

  @Override
  int exitCode(GcReport r) {
    return r.aborted().isEmpty() ? 0 : 1;
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
