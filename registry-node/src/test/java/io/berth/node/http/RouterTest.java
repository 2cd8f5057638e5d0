package io.berth.node.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RouterTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/a//b",
        "/a/;b",
        "/a\\b",
        "/a/%2e%2e/b",
        "/a/%2F",
        "/a/%00",
        "/a/../b",
        "/a/./b",
        "/a/..",
        "/a/%5c",
        "/a/%25",
        "noslash",
        "/a/\u00e9"
      })
  void unsafePathsAreRefused(String path) {
    assertThat(Router.unsafePath(path)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"/", "/example.com/!foo/@v/list", "/v2/a/b/manifests/v1.0", "/a/%21b", "/a/...b"})
  void ordinaryPathsPass(String path) {
    assertThat(Router.unsafePath(path)).isNull();
  }

  @Test
  void percentDecoding() {
    assertThat(Responses.percentDecode("a/%21b%2Bc")).isEqualTo("a/!b+c");
    assertThatThrownBy(() -> Responses.percentDecode("a%2"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Responses.percentDecode("a%zz"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Responses.percentDecode("a%c3%a9"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
