package io.berth.coordinator.cli;

import io.berth.coordinator.client.CoordinatorClient;
import io.berth.coordinator.client.EnvFormatter;
import io.berth.proto.coordinator.v1.RankedNode;
import io.berth.proto.coordinator.v1.ResolveResponse;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code berth env}: prints ready-to-use client settings for the nearest nodes. */
@Command(
    name = "env",
    mixinStandardHelpOptions = true,
    description = {
      "Print client settings for the nearest healthy nodes, asked from a coordinator.",
      "Default (sh): shell exports of GOPROXY, GOSUMDB, GOPRIVATE/GONOPROXY/GONOSUMDB, with the",
      "daemon.json and hosts.toml snippets as comments; use: eval \"$(berth env -C URL)\"."
    })
public final class EnvCommand implements Callable<Integer> {
  @Option(
      names = {"-C", "--coordinator"},
      description = "Coordinator resolve API URL (like http://coord:8053). Env: BERTH_COORDINATOR.",
      defaultValue = "${env:BERTH_COORDINATOR}")
  String coordinator;

  @Option(
      names = "--client",
      description = "Resolve for this client address or subnet instead of this machine.")
  String client;

  @Option(names = "--count", defaultValue = "2", description = "How many nodes (default 2).")
  int count;

  @Option(
      names = "--format",
      defaultValue = "sh",
      description = "sh, daemon-json or hosts-toml (default sh).")
  String format;

  @Option(
      names = "--gosumdb",
      defaultValue = "sum.golang.org",
      description = "GOSUMDB value (default sum.golang.org, verified through the nodes' proxy).")
  String gosumdb;

  @Option(
      names = "--upstream",
      defaultValue = "https://registry-1.docker.io",
      description = "The registry the hosts.toml mirrors (default Docker Hub).")
  String upstream;

  @Override
  public Integer call() throws Exception {
    if (coordinator == null || coordinator.isBlank()) {
      throw new CliException("no coordinator: pass --coordinator http://host:port");
    }
    if (count < 1) {
      throw new CliException("--count must be at least 1");
    }
    ResolveResponse r;
    try {
      r = new CoordinatorClient(coordinator).resolve(client, count);
    } catch (CoordinatorClient.CoordinatorException e) {
      throw new CliException(e.getMessage());
    }
    List<String> urls = r.getNodesList().stream().map(RankedNode::getUrl).toList();
    if (urls.isEmpty()) {
      throw new CliException(
          "the coordinator knows no healthy node for "
              + r.getClientAddress()
              + " (network "
              + r.getNetwork()
              + "); check that nodes are registered");
    }
    String daemon = EnvFormatter.daemonJson(urls);
    String hosts = EnvFormatter.hostsToml(upstream, urls);
    switch (format) {
      case "sh" -> {
        StringBuilder b = new StringBuilder();
        b.append("# berth env: nearest nodes for ")
            .append(r.getClientAddress())
            .append(" (network ")
            .append(r.getNetwork())
            .append(", region ")
            .append(r.getRegion().isEmpty() ? "-" : r.getRegion())
            .append(")\n");
        b.append(
            EnvFormatter.shell(EnvFormatter.goSettings(urls, r.getPrivatePatternsList(), gosumdb)));
        b.append("# Docker /etc/docker/daemon.json:\n").append(EnvFormatter.commented(daemon));
        b.append("# containerd /etc/containerd/certs.d/docker.io/hosts.toml:\n")
            .append(EnvFormatter.commented(hosts));
        System.out.print(b);
      }
      case "daemon-json" -> System.out.print(daemon);
      case "hosts-toml" -> System.out.print(hosts);
      default ->
          throw new CliException(
              "unknown --format '" + format + "' (use sh, daemon-json or hosts-toml)");
    }
    return 0;
  }
}
