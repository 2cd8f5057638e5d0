package io.berth.node.oci.pullthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.berth.common.RepositoryName;
import io.berth.node.access.PrivatePatterns;
import io.berth.node.upstream.RegistryUpstream;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Prefix routing of the pull-through cache. */
class UpstreamRoutesTest {

  static UpstreamRoutes.Route route(String prefix, String remotePrefix) {
    return new UpstreamRoutes.Route(
        prefix,
        new RegistryUpstream(
            "http://" + prefix.replace('/', '-') + ".example",
            "",
            "",
            Duration.ofSeconds(5),
            Clock.systemUTC(),
            new SimpleMeterRegistry()),
        remotePrefix,
        Duration.ofSeconds(60));
  }

  static RepositoryName name(String s) {
    return RepositoryName.parse(s);
  }

  @Test
  void theLongestPrefixWinsAndNamesMapToTheUpstream() {
    UpstreamRoutes r =
        new UpstreamRoutes(
            List.of(route("hub", ""), route("hub/ghcr", "org"), route("quay", "")),
            PrivatePatterns.none());
    assertThat(r.route(name("hub/library/alpine")).get().prefix()).isEqualTo("hub");
    assertThat(r.route(name("hub/library/alpine")).get().remoteName(name("hub/library/alpine")))
        .isEqualTo("library/alpine");
    UpstreamRoutes.Route g = r.route(name("hub/ghcr/app")).get();
    assertThat(g.prefix()).isEqualTo("hub/ghcr");
    assertThat(g.remoteName(name("hub/ghcr/app"))).isEqualTo("org/app");
    assertThat(g.describe()).contains("prefix hub/ghcr/");
    assertThat(r.route(name("hub"))).as("the prefix itself is local").isEmpty();
    assertThat(r.route(name("hubble/app"))).as("whole path elements only").isEmpty();
    assertThat(r.route(name("team/app"))).isEmpty();
  }

  @Test
  void privateRepositoriesAreLocalEvenUnderAPrefix() {
    UpstreamRoutes r =
        new UpstreamRoutes(
            List.of(route("hub", "")), new PrivatePatterns(List.of("hub/corp", "*/secret-*")));
    assertThat(r.route(name("hub/corp/app"))).isEmpty();
    assertThat(r.route(name("hub/secret-x/y"))).isEmpty();
    assertThat(r.route(name("hub/corporate/app"))).isPresent();
  }

  @Test
  void badConfigurationIsRefused() {
    assertThatThrownBy(() -> new UpstreamRoutes(List.of(route("Hub", "")), PrivatePatterns.none()))
        .hasMessageContaining("not a repository name");
    assertThatThrownBy(
            () ->
                new UpstreamRoutes(
                    List.of(route("hub", ""), route("hub", "")), PrivatePatterns.none()))
        .hasMessageContaining("twice");
    assertThatThrownBy(() -> new UpstreamRoutes(List.of(route("a", "B")), PrivatePatterns.none()))
        .hasMessageContaining("remotePrefix");
    assertThatThrownBy(
            () ->
                new RegistryUpstream(
                    "ftp://x",
                    "",
                    "",
                    Duration.ofSeconds(1),
                    Clock.systemUTC(),
                    new SimpleMeterRegistry()))
        .hasMessageContaining("http://");
  }
}
