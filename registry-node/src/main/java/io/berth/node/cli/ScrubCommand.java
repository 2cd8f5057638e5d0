package io.berth.node.cli;

import io.berth.node.bootstrap.NodeAssembly;
import io.berth.node.config.NodeConfig;
import io.berth.node.scrub.ScrubHandler;
import io.berth.node.scrub.ScrubReport;
import java.io.PrintWriter;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth scrub}: re-hashes every stored blob of a stopped node's storage. */
@Command(
    name = "scrub",
    mixinStandardHelpOptions = true,
    description = {
      "Re-hash every stored blob; quarantine corrupt ones and repair them from upstream.",
      "Works on a stopped node's data dir and config; on a running node use"
          + " POST /_berth/api/scrub. Exit code 3 when corrupt blobs were found."
    })
public final class ScrubCommand extends MaintenanceCommand<ScrubReport> {

  @Option(
      names = "--bytes-per-second",
      description = "Override storage.scrub.bytesPerSecond (the read rate).")
  Long bytesPerSecond;

  @Override
  String endpoint() {
    return ScrubHandler.PATH;
  }

  @Override
  NodeConfig configure(NodeConfig cfg) {
    if (bytesPerSecond == null) {
      return cfg;
    }
    return cfg.withStorage(
        cfg.storage().withScrub(cfg.storage().scrub().withBytesPerSecond(bytesPerSecond)));
  }

  @Override
  ScrubReport run(NodeAssembly.Maintenance m, Duration waitForOwnership)
      throws InterruptedException {
    return m.scrub()
        .runNow(waitForOwnership)
        .orElseThrow(
            () -> new CliException("scrub is owned by " + m.scrub().owner() + "; run it there"));
  }

  @Override
  void printText(ScrubReport r, PrintWriter out) {
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

  @Override
  int exitCode(ScrubReport r) {
    return r.corruptBlobs() > 0 ? 3 : 0;
  }
}
