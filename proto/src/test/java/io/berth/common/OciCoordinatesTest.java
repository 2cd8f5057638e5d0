package io.berth.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Table tests for the OCI repository name, tag and digest grammars (distribution spec v1.1). */
class OciCoordinatesTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "a",
        "alpine",
        "library/alpine",
        "a/b/c/d",
        "my-app",
        "my--app",
        "my_app",
        "my__app",
        "my.app",
        "0",
        "a0.b1-c2_d3__e4",
        "hub/library/alpine"
      })
  void validNames(String name) {
    assertThat(RepositoryName.parse(name).value()).isEqualTo(name);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "", "A", "Alpine", "-a", "a-", "a_", "_a", ".a", "a.", "a..b", "a___b", "a._b", "a//b",
        "/a", "a/", "a/../b", "a/./b", "..", "a b", "a:b", "a@b", "a%2fb", "é", "a;b", "a\\b"
      })
  void invalidNames(String name) {
    assertThatThrownBy(() -> RepositoryName.parse(name))
        .isInstanceOf(InvalidCoordinateException.class);
    assertThat(RepositoryName.isValid(name)).isFalse();
  }

  @Test
  void nameLengthLimit() {
    String ok = "a".repeat(RepositoryName.MAX_LENGTH);
    assertThat(RepositoryName.isValid(ok)).isTrue();
    assertThat(RepositoryName.isValid(ok + "a")).isFalse();
  }

  @Test
  void pathologicalNamesAreRejected() {
    assertThat(RepositoryName.isValid("a" + "-".repeat(250) + "!")).isFalse();
    assertThat(RepositoryName.isValid("a" + "-_".repeat(120) + "a")).isFalse();
  }

  @Test
  void prefixes() {
    RepositoryName n = RepositoryName.parse("hub/library/alpine");
    assertThat(n.isWithin("hub")).isTrue();
    assertThat(n.isWithin("hub/")).isTrue();
    assertThat(n.isWithin("hub/library/alpine")).isTrue();
    assertThat(n.isWithin("hu")).isFalse();
    assertThat(RepositoryName.parse("hubx/a").isWithin("hub")).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"latest", "v1.0.0", "_x", "1", "A-b_c.d", "a__b", "a..b"})
  void validTags(String tag) {
    assertThat(Tag.parse(tag).value()).isEqualTo(tag);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-a", ".a", "a/b", "a:b", "a b", "é", "a%20", "sha256:abc", "x;y"})
  void invalidTags(String tag) {
    assertThatThrownBy(() -> Tag.parse(tag)).isInstanceOf(InvalidCoordinateException.class);
  }

  @Test
  void tagLengthLimit() {
    assertThat(Tag.isValid("a".repeat(128))).isTrue();
    assertThat(Tag.isValid("a".repeat(129))).isFalse();
  }

  @Test
  void digests() {
    String sha256 = "sha256:" + "a".repeat(64);
    String sha512 = "sha512:" + "b".repeat(128);
    assertThat(Digest.parse(sha256).algorithm()).isEqualTo(Digest.Algorithm.SHA256);
    assertThat(Digest.parse(sha512).algorithm()).isEqualTo(Digest.Algorithm.SHA512);
    for (String bad :
        new String[] {
          "sha256:" + "a".repeat(63),
          "sha256:" + "A".repeat(64),
          "sha512:" + "a".repeat(64),
          "md5:" + "a".repeat(32),
          "sha256",
          ":abc",
          "sha256:" + "g".repeat(64)
        }) {
      assertThatThrownBy(() -> Digest.parse(bad)).isInstanceOf(InvalidCoordinateException.class);
    }
    byte[] hello = "hello".getBytes(StandardCharsets.UTF_8);
    assertThat(Digest.compute(Digest.Algorithm.SHA256, hello)).isEqualTo(Digest.sha256(hello));
    assertThat(Digest.compute(Digest.Algorithm.SHA512, hello).hex()).hasSize(128);
  }
}
