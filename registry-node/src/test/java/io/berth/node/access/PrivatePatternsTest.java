package io.berth.node.access;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class PrivatePatternsTest {
  @Test
  void matchesLeadingElementsLikeGoprivate() {
    PrivatePatterns p =
        new PrivatePatterns(List.of("*.corp.example.com,rsc.io/private", "git.example.org/team/"));
    assertThat(p.matches("git.corp.example.com/a/b")).isTrue();
    assertThat(p.matches("corp.example.com/a")).isFalse();
    assertThat(p.matches("rsc.io/private")).isTrue();
    assertThat(p.matches("rsc.io/private/sub/v2")).isTrue();
    assertThat(p.matches("rsc.io/privateer")).isFalse();
    assertThat(p.matches("rsc.io")).isFalse();
    assertThat(p.matches("git.example.org/team/x")).isTrue();
    assertThat(p.matches("git.example.org/other")).isFalse();
    assertThat(PrivatePatterns.none().matches("anything.com/x")).isFalse();
    assertThat(new PrivatePatterns(List.of("ex?mple.com/[a-c]*")).matches("example.com/bob/x"))
        .isTrue();
    assertThat(new PrivatePatterns(List.of("ex?mple.com/[a-c]*")).matches("example.com/dave"))
        .isFalse();
  }
}
