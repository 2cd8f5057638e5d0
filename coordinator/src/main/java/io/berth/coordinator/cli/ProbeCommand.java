package io.berth.coordinator.cli;

import io.berth.coordinator.client.CoordinatorClient;
import io.berth.coordinator.probe.HttpTiming;
import io.berth.coordinator.probe.ProbeReport;
import io.berth.coordinator.probe.ProbeStats;
import io.berth.proto.coordinator.v1.ClientReport;
import io.berth.proto.coordinator.v1.Measurement;
import io.berth.proto.coordinator.v1.RankedNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth probe}: measures candidate nodes from here and prints a ranked score table. */
@Command(
    name = "probe",
    mixinStandardHelpOptions = true,
    description = {
      "Measure each candidate node from this machine: connect time, time to first byte, total",
      "time, throughput and success rate over N tries of GET <node><path>; print them ranked.",
      "Candidates: --node URLs, or every node a coordinator ranks for this client."
    })
public final class ProbeCommand implements Callable<Integer> {
  @Option(
      names = {"-C", "--coordinator"},
      description = "Coordinator resolve API URL; its nodes are the candidates.",
      defaultValue = "${env:BERTH_COORDINATOR}")
  String coordinator;

  @Option(names = "--node", description = "A candidate node URL (repeatable).")
  List<String> nodes = new ArrayList<>();

  @Option(
      names = "--path",
      defaultValue = "/healthz",
      description = "The object to fetch: a real blob or module zip path (default /healthz).")
  String path;

  @Option(
      names = {"-n", "--tries"},
      defaultValue = "5",
      description = "Tries per node (default 5).")
  int tries;

  @Option(names = "--timeout-ms", defaultValue = "10000", description = "Per-try timeout.")
  long timeoutMs;

  @Option(names = "--json", description = "Print JSON instead of the table.")
  boolean json;

  @Option(names = "--report", description = "Send the measurements to the coordinator.")
  boolean report;

  @Option(names = "--client", description = "With --coordinator: resolve for this address.")
  String client;

  private record Candidate(String id, String region, String url) {}

  @Override
  public Integer call() throws Exception {
    if (tries < 1 || tries > 1000) {
      throw new CliException("--tries must be between 1 and 1000");
    }
    if (!path.startsWith("/")) {
      throw new CliException("--path must start with / (like /example.com/m/@v/v1.0.0.zip)");
    }
    List<Candidate> candidates = new ArrayList<>();
    for (String n : nodes) {
      URI u;
      try {
        u = URI.create(n);
      } catch (IllegalArgumentException e) {
        throw new CliException("--node '" + n + "' is not a URL (like http://host:8080)");
      }
      if (u.getHost() == null || u.getScheme() == null) {
        throw new CliException("--node '" + n + "' is not a URL (like http://host:8080)");
      }
      candidates.add(new Candidate(u.getHost() + ":" + u.getPort(), "", strip(n)));
    }
    CoordinatorClient coord = null;
    if (coordinator != null && !coordinator.isBlank()) {
      coord = new CoordinatorClient(coordinator);
      if (candidates.isEmpty()) {
        try {
          for (RankedNode r : coord.resolve(client, 0).getNodesList()) {
            candidates.add(new Candidate(r.getNodeId(), r.getRegion(), strip(r.getUrl())));
          }
        } catch (CoordinatorClient.CoordinatorException e) {
          throw new CliException(e.getMessage());
        }
      }
    }
    if (candidates.isEmpty()) {
      throw new CliException("no candidates: pass --node URL (repeatable) or --coordinator URL");
    }
    List<List<HttpTiming.Result>> results = new ArrayList<>();
    candidates.forEach(c -> results.add(new ArrayList<>()));
    Duration timeout = Duration.ofMillis(timeoutMs);
    for (int t = 0; t < tries; t++) {
      for (int i = 0; i < candidates.size(); i++) {
        results.get(i).add(HttpTiming.get(URI.create(candidates.get(i).url() + path), timeout));
      }
    }
    List<ProbeStats> stats = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      Candidate c = candidates.get(i);
      stats.add(ProbeStats.of(c.id(), c.region(), c.url(), results.get(i)));
    }
    List<ProbeStats> ranked = ProbeStats.rank(stats);
    System.out.print(
        json ? ProbeReport.json(ranked, path, tries) : ProbeReport.table(ranked, path));
    if (report) {
      if (coord == null) {
        throw new CliException("--report needs --coordinator");
      }
      ClientReport.Builder b = ClientReport.newBuilder();
      if (client != null && !client.contains("/")) {
        b.setClientAddress(client);
      }
      long now = System.currentTimeMillis();
      for (ProbeStats s : ranked) {
        if (s.successes() > 0) {
          b.addMeasurements(
              Measurement.newBuilder()
                  .setTargetId(s.nodeId())
                  .setTargetRegion(s.region())
                  .setTargetUrl(s.url())
                  .setConnectMicros(Math.max(1, Math.round(s.connectMs() * 1000)))
                  .setTtfbMicros(Math.max(1, Math.round(s.ttfbMs() * 1000)))
                  .setTotalMicros(Math.round(s.totalMs() * 1000))
                  .setThroughputBytesPerSec(s.throughputBytesPerSec())
                  .setSuccessRate(s.successRate())
                  .setSamples(s.tries())
                  .setMeasuredAtMillis(now));
        }
      }
      if (b.getMeasurementsCount() > 0) {
        try {
          int n = coord.report(b.build());
          System.err.println("berth: reported " + n + " measurement(s) to " + coordinator);
        } catch (CoordinatorClient.CoordinatorException e) {
          throw new CliException(e.getMessage());
        }
      }
    }
    return ranked.stream().anyMatch(s -> s.successes() > 0) ? 0 : 1;
  }

  private static String strip(String u) {
    return u.endsWith("/") ? u.substring(0, u.length() - 1) : u;
  }
}
