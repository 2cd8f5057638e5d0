package io.berth.replicator.link;

import io.berth.common.ChangeEvents;
import io.berth.proto.events.v1.ChangeEvent;
import io.berth.replicator.config.ReplicatorConfig;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Which source events a link carries to its target.
 *
 * <ul>
 *   <li>Never an event whose origin is the target region (no echo, DESIGN.md invariant 5).
 *   <li>{@code mirror}: everything else, deletes included.
 *   <li>{@code filtered}: no deletes; Go versions (and sumdb objects) only with {@code
 *       modulePrefixes} and a matching module path; OCI changes of repositories matching {@code
 *       repositoryPrefixes} (all repositories when only {@code tagPattern} is set), and of tags
 *       only those matching {@code tagPattern} (when set). Prefixes match whole path elements:
 *       {@code corp.example.com/team} matches {@code corp.example.com/team/app}, not {@code
 *       corp.example.com/teamx}.
 * </ul>
 */
public final class LinkFilter {

  /** The decision for one event. */
  public enum Decision {
    CARRY,
    ECHO,
    FILTERED
  }

  private final String targetRegion;
  private final boolean mirror;
  private final List<String> modulePrefixes;
  private final List<String> repositoryPrefixes;
  private final Pattern tagPattern;

  public LinkFilter(ReplicatorConfig.LinkSection link) {
    this.targetRegion = link.target();
    this.mirror = link.mode().equals("mirror");
    this.modulePrefixes = link.filters().modulePrefixes();
    this.repositoryPrefixes = link.filters().repositoryPrefixes();
    this.tagPattern =
        link.filters().tagPattern().isEmpty() ? null : Pattern.compile(link.filters().tagPattern());
  }

  public Decision decide(ChangeEvent e) {
    if (e.getOriginRegion().equals(targetRegion)) {
      return Decision.ECHO;
    }
    if (mirror || !ChangeEvents.understood(e)) {
      return Decision.CARRY; // an unknown change is carried, so the link stops visibly on it
    }
    if (ChangeEvents.isDelete(e)) {
      return Decision.FILTERED;
    }
    if (e.hasSumdbObjectStored()) {
      return modulePrefixes.isEmpty() ? Decision.FILTERED : Decision.CARRY;
    }
    if (ChangeEvents.modulePath(e).isPresent()) {
      return matches(modulePrefixes, ChangeEvents.modulePath(e).get())
          ? Decision.CARRY
          : Decision.FILTERED;
    }
    if (ChangeEvents.repository(e).isPresent()) {
      String repo = ChangeEvents.repository(e).get();
      boolean repoOk =
          repositoryPrefixes.isEmpty() ? tagPattern != null : matches(repositoryPrefixes, repo);
      if (!repoOk) {
        return Decision.FILTERED;
      }
      if (tagPattern != null
          && ChangeEvents.tag(e).isPresent()
          && !tagPattern.matcher(ChangeEvents.tag(e).get()).matches()) {
        return Decision.FILTERED;
      }
      return Decision.CARRY;
    }
    return Decision.FILTERED;
  }

  static boolean matches(List<String> prefixes, String path) {
    for (String p : prefixes) {
      String prefix = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
      if (path.equals(prefix) || path.startsWith(prefix + "/")) {
        return true;
      }
    }
    return false;
  }
}
