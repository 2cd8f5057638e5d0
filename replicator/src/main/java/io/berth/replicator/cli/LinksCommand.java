package io.berth.replicator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code berth links}: asks replicator instances for their status and prints one line per link with
 * the owner's view (epoch, events and seconds behind, events replicated, bytes copied, failures,
 * dead-lettered events, last error), then the newest dead-lettered events with their reason.
 */
@Command(
    name = "links",
    mixinStandardHelpOptions = true,
    description = "Show every replication link: owner, lag, copies and failures.")
public final class LinksCommand implements Callable<Integer> {
  static final String DEFAULT_URL = "http://127.0.0.1:9400";
  private static final ObjectMapper JSON = new ObjectMapper();

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--replicator",
      paramLabel = "URL",
      split = ",",
      description =
          "Status URL of a replicator instance (repeatable or comma-separated). Env:"
              + " BERTH_REPLICATOR_URLS. Default: "
              + DEFAULT_URL
              + ".")
  List<String> urls;

  @Option(names = "--json", description = "Print the merged status as JSON.")
  boolean json;

  @Override
  public Integer call() throws Exception {
    List<String> targets = urls;
    if (targets == null || targets.isEmpty()) {
      String env = System.getenv("BERTH_REPLICATOR_URLS");
      targets = env == null || env.isBlank() ? List.of(DEFAULT_URL) : List.of(env.split(","));
    }
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    Map<String, JsonNode> byLink = new TreeMap<>();
    List<String> unreachable = new ArrayList<>();
    for (String u : targets) {
      String base = u.trim();
      while (base.endsWith("/")) {
        base = base.substring(0, base.length() - 1);
      }
      JsonNode status;
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create(base + "/status"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
          unreachable.add(base + " (HTTP " + r.statusCode() + ")");
          continue;
        }
        status = JSON.readTree(r.body());
      } catch (IOException | IllegalArgumentException e) {
        unreachable.add(
            base
                + " ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                + ")");
        continue;
      }
      for (JsonNode l : status.path("links")) {
        String id = l.path("link").asText();
        JsonNode seen = byLink.get(id);
        if (seen == null || (!seen.path("owner").asBoolean() && l.path("owner").asBoolean())) {
          byLink.put(id, l);
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    for (String u : unreachable) {
      err.println("berth: replicator " + u + " did not answer");
    }
    if (byLink.isEmpty()) {
      throw new CliException(
          "no replicator answered; pass --replicator http://host:port (its http.port)");
    }
    if (json) {
      ObjectNode o = JSON.createObjectNode();
      byLink.forEach(o::set);
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o));
      return unreachable.isEmpty() ? 0 : 1;
    }
    out.println(table(byLink));
    return unreachable.isEmpty() ? 0 : 1;
  }

  static String table(Map<String, JsonNode> byLink) {
    List<String[]> rows = new ArrayList<>();
    rows.add(
        new String[] {
          "LINK",
          "OWNER",
          "EPOCH",
          "PHASE",
          "BEHIND",
          "SECONDS",
          "REPLICATED",
          "COPIED",
          "FAILURES",
          "DEAD",
          "LAST ERROR"
        });
    for (JsonNode l : byLink.values()) {
      boolean owned = l.path("owner").asBoolean();
      long failures = 0;
      for (JsonNode f : l.path("failures")) {
        failures += f.asLong();
      }
      rows.add(
          new String[] {
            l.path("link").asText(),
            l.path("ownerId").asText().isEmpty() ? "(none)" : l.path("ownerId").asText(),
            owned ? l.path("epoch").asText() : "-",
            l.path("phase").asText(),
            owned ? l.path("eventsBehind").asText() : "-",
            owned ? String.format(Locale.ROOT, "%.1f", l.path("secondsBehind").asDouble()) : "-",
            owned ? l.path("eventsReplicated").asText() : "-",
            owned ? bytes(l.path("bytesCopied").asLong()) : "-",
            owned ? Long.toString(failures) : "-",
            owned ? Long.toString(l.path("deadLetters").path("count").asLong()) : "-",
            l.path("lastError").asText()
          });
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(i == r.length - 1 ? r[i] : String.format("%-" + width[i] + "s  ", r[i]));
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    for (JsonNode l : byLink.values()) {
      JsonNode last = l.path("deadLetters").path("last");
      if (!l.path("owner").asBoolean() || last.isEmpty()) {
        continue;
      }
      b.append('\n')
          .append(l.path("link").asText())
          .append(": ")
          .append(l.path("deadLetters").path("count").asLong())
          .append(" dead-lettered event(s), newest last:\n");
      for (JsonNode e : last) {
        b.append("  ")
            .append(e.path("event").asText())
            .append(' ')
            .append(e.path("change").asText())
            .append(": ")
            .append(e.path("reason").asText())
            .append('\n');
      }
    }
    return b.toString().stripTrailing();
  }

  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    double v = n;
    String[] units = {"KiB", "MiB", "GiB", "TiB"};
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
