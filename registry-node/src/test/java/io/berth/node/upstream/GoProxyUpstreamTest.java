package io.berth.node.upstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoProxyUpstreamTest {
  @Test
  void parsesTheGoproxySyntax() {
    var list =
        GoProxyUpstream.parse("https://a.example/, http://b.example|https://c.example,direct");
    assertThat(list)
        .extracting(e -> e.baseUrl())
        .containsExactly("https://a.example", "http://b.example", "https://c.example");
    assertThat(list).extracting(e -> e.fallThroughOnError()).containsExactly(false, true, false);
    assertThat(GoProxyUpstream.parse("off")).isEmpty();
    assertThat(GoProxyUpstream.parse("")).isEmpty();
    assertThatThrownBy(() -> GoProxyUpstream.parse("ftp://x"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void noUpstreamMeansNotFound() {
    GoProxyUpstream u =
        new GoProxyUpstream("off", Duration.ofSeconds(5), new SimpleMeterRegistry());
    assertThat(u.enabled()).isFalse();
    assertThatThrownBy(() -> u.fetch("/x/@v/list")).isInstanceOf(UpstreamNotFoundException.class);
  }
}
