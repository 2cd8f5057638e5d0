package io.berth.node.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing of {@code WWW-Authenticate} challenges (Docker token auth and Basic). */
class AuthChallengeTest {

  @Test
  void aDockerBearerChallengeWithAScopeHoldingCommas() {
    AuthChallenge c =
        AuthChallenge.parseAll(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\","
                    + "scope=\"repository:samalba/my-app:pull,push\"")
            .get(0);
    assertThat(c.is("bearer")).isTrue();
    assertThat(c.param("realm")).isEqualTo("https://auth.docker.io/token");
    assertThat(c.param("service")).isEqualTo("registry.docker.io");
    assertThat(c.param("scope")).isEqualTo("repository:samalba/my-app:pull,push");
  }

  @Test
  void spacesTokensEscapesAndCase() {
    AuthChallenge c =
        AuthChallenge.parseAll(
                "bearer  Realm = \"http://127.0.0.1:1/t?x=\\\"y\\\"\" , service=plain ,error=x")
            .get(0);
    assertThat(c.scheme()).isEqualTo("bearer");
    assertThat(c.param("realm")).isEqualTo("http://127.0.0.1:1/t?x=\"y\"");
    assertThat(c.param("service")).isEqualTo("plain");
    assertThat(c.param("error")).isEqualTo("x");
    assertThat(c.param("scope")).isNull();
  }

  @Test
  void severalChallengesInOneValueAndBearerIsPreferred() {
    List<AuthChallenge> all =
        AuthChallenge.parseAll("Basic realm=\"r\", Bearer realm=\"https://a/t\",service=\"s\"");
    assertThat(all).extracting(AuthChallenge::scheme).containsExactly("Basic", "Bearer");
    assertThat(all.get(1).param("service")).isEqualTo("s");
    assertThat(AuthChallenge.choose(List.of("Basic realm=\"r\"", "Bearer realm=\"https://a\"")))
        .hasValueSatisfying(c -> assertThat(c.is("Bearer")).isTrue());
    assertThat(AuthChallenge.choose(List.of("Basic realm=\"r\"")))
        .hasValueSatisfying(c -> assertThat(c.param("realm")).isEqualTo("r"));
    assertThat(AuthChallenge.choose(List.of("Negotiate abc", ""))).isEmpty();
  }

  @Test
  void malformedHeadersNeverThrow() {
    for (String h :
        List.of(
            "",
            "Bearer",
            "Bearer realm",
            "Bearer realm=",
            "Bearer realm=\"unterminated",
            ",,,",
            "=x",
            "Bearer ,realm=\"a\"")) {
      AuthChallenge.parseAll(h);
    }
    assertThat(AuthChallenge.parseAll("Bearer realm=\"unterminated").get(0).param("realm"))
        .isEqualTo("unterminated");
    assertThat(AuthChallenge.parseAll(null)).isEmpty();
  }
}
