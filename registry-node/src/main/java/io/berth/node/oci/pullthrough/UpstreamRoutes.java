package io.berth.node.oci.pullthrough;

import io.berth.common.InvalidCoordinateException;
import io.berth.common.RepositoryName;
import io.berth.node.access.PrivatePatterns;
import io.berth.node.upstream.RegistryUpstream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Which upstream registry serves a repository: repository {@code <prefix>/<name>} is {@code
 * <remotePrefix>/<name>} (or {@code <name>}) at the prefix's upstream. The longest matching prefix
 * wins; a repository equal to a prefix, or matching a private pattern, is served by none (it is a
 * local repository).
 */
public final class UpstreamRoutes {

  /** One prefix and its upstream. */
  public record Route(
      String prefix, RegistryUpstream upstream, String remotePrefix, Duration tagTtl) {

    /** The repository's name at the upstream. */
    public String remoteName(RepositoryName repository) {
      String rest = repository.value().substring(prefix.length() + 1);
      return remotePrefix.isEmpty() ? rest : remotePrefix + "/" + rest;
    }

    /** For messages: {@code <url> (prefix <prefix>/)}. */
    public String describe() {
      return upstream.url() + " (prefix " + prefix + "/)";
    }
  }

  private final List<Route> routes;
  private final PrivatePatterns privatePatterns;

  /**
   * @throws IllegalArgumentException for a prefix or remote prefix that is not a repository name,
   *     or a prefix given twice
   */
  public UpstreamRoutes(List<Route> routes, PrivatePatterns privatePatterns) {
    Set<String> seen = new HashSet<>();
    for (Route r : routes) {
      check(r.prefix(), "prefix");
      if (!r.remotePrefix().isEmpty()) {
        check(r.remotePrefix(), "remotePrefix");
      }
      if (!seen.add(r.prefix())) {
        throw new IllegalArgumentException("prefix '" + r.prefix() + "' is configured twice");
      }
      if (r.tagTtl().isNegative()) {
        throw new IllegalArgumentException("prefix '" + r.prefix() + "': tagTtlSeconds < 0");
      }
    }
    List<Route> sorted = new ArrayList<>(routes);
    sorted.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
    this.routes = List.copyOf(sorted);
    this.privatePatterns = privatePatterns;
  }

  private static void check(String name, String what) {
    try {
      RepositoryName.parse(name);
    } catch (InvalidCoordinateException e) {
      throw new IllegalArgumentException(
          "oci.upstreams " + what + " '" + name + "' is not a repository name: " + e.getMessage());
    }
  }

  /** The route serving {@code repository}, or empty for a local repository. */
  public Optional<Route> route(RepositoryName repository) {
    String name = repository.value();
    for (Route r : routes) {
      if (name.length() > r.prefix().length() + 1
          && name.startsWith(r.prefix())
          && name.charAt(r.prefix().length()) == '/') {
        return privatePatterns.matches(name) ? Optional.empty() : Optional.of(r);
      }
    }
    return Optional.empty();
  }

  /** Whether any upstream is configured. */
  public boolean isEmpty() {
    return routes.isEmpty();
  }

  /** The routes, longest prefix first. */
  public List<Route> routes() {
    return routes;
  }
}
