package io.berth.node.replication;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.berth.common.InvalidCoordinateException;
import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import io.berth.node.index.ChangeLog;
import io.berth.proto.index.v1.ArtifactMark;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * "Which regions hold this artifact, and as of when", from the changes each region has recorded or
 * applied: this node answers for its own region from its {@code artifacts} marks, and asks one node
 * of every configured peer region for theirs.
 */
public final class WhereService {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String region;
  private final String nodeId;
  private final ChangeLog changes;
  private final List<Peer> peers;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  /** Another region and the base URL of one of its nodes. */
  public record Peer(String region, String url) {
    /**
     * Parses {@code <region>=<url>}.
     *
     * @throws IllegalArgumentException if malformed
     */
    public static Peer parse(String spec) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new IllegalArgumentException(
            "peer '" + spec + "' must look like <region>=http://host:port");
      }
      String url = spec.substring(eq + 1).trim();
      while (url.endsWith("/")) {
        url = url.substring(0, url.length() - 1);
      }
      URI u = URI.create(url);
      if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
        throw new IllegalArgumentException("peer '" + spec + "' needs an http(s) URL");
      }
      return new Peer(spec.substring(0, eq).trim(), url);
    }
  }

  /** One region's answer. */
  public record Holding(
      String region,
      String node,
      boolean holds,
      boolean deleted,
      String since,
      String updated,
      String originRegion,
      long hlcWallMillis,
      String change,
      String error) {}

  public WhereService(String region, String nodeId, ChangeLog changes, List<Peer> peers) {
    this.region = region;
    this.nodeId = nodeId;
    this.changes = changes;
    this.peers = List.copyOf(peers);
  }

  /** The artifact key of a Go module version. */
  public static String goKey(String module, String version) {
    try {
      ModulePath p = ModulePath.of(module);
      return "go:" + p.value() + "@" + ModuleVersion.canonical(p, version).version();
    } catch (InvalidCoordinateException e) {
      throw new IllegalArgumentException(e.getMessage());
    }
  }

  /** The artifact key of an OCI tag (matches the OCI index's event keys). */
  public static String ociTagKey(String repository, String tag) {
    return io.berth.common.ChangeEvents.ociTagKey(repository, tag);
  }

  /** The artifact key of an OCI manifest by digest. */
  public static String ociManifestKey(String repository, String digest) {
    return io.berth.common.ChangeEvents.ociManifestKey(repository, digest);
  }

  /** This region's answer, from this node. */
  public Holding local(String key) {
    return changes
        .lastChange(key)
        .map(this::holding)
        .orElse(new Holding(region, nodeId, false, false, null, null, null, 0, null, null));
  }

  private Holding holding(ArtifactMark m) {
    return new Holding(
        region,
        nodeId,
        !m.getDeleted(),
        m.getDeleted(),
        Instant.ofEpochMilli(m.getFirstLocalUnixMillis()).toString(),
        Instant.ofEpochMilli(m.getLastLocalUnixMillis()).toString(),
        m.getOriginRegion(),
        m.getHlc().getWallMillis(),
        m.getChange(),
        null);
  }

  /** Every region's answer: this one first, then the peers in configuration order. */
  public List<Holding> everywhere(String key) {
    List<CompletableFuture<Holding>> asks = new ArrayList<>();
    for (Peer p : peers) {
      asks.add(ask(p, key));
    }
    List<Holding> out = new ArrayList<>();
    out.add(local(key));
    for (CompletableFuture<Holding> f : asks) {
      out.add(f.join());
    }
    return out;
  }

  private CompletableFuture<Holding> ask(Peer p, String key) {
    URI uri =
        URI.create(
            p.url()
                + "/_berth/api/where?local=true&key="
                + URLEncoder.encode(key, StandardCharsets.UTF_8));
    HttpRequest req = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(3)).GET().build();
    return http.sendAsync(req, HttpResponse.BodyHandlers.ofString())
        .thenApply(
            r -> {
              if (r.statusCode() != 200) {
                return failed(p, "peer answered " + r.statusCode());
              }
              try {
                JsonNode first = JSON.readTree(r.body()).path("regions").path(0);
                return JSON.treeToValue(first, Holding.class);
              } catch (Exception e) {
                return failed(p, "unreadable answer: " + e.getMessage());
              }
            })
        .exceptionally(e -> failed(p, "unreachable: " + e.getMessage()));
  }

  private static Holding failed(Peer p, String why) {
    return new Holding(
        p.region(), null, false, false, null, null, null, 0, null, why + " (" + p.url() + ")");
  }

  /** The answer as a JSON-ready map. */
  public static Map<String, Object> render(String key, List<Holding> holdings) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("key", key);
    out.put("regions", holdings);
    return out;
  }
}
