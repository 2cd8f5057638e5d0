package io.berth.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Table tests for SemVer against golang.org/x/mod/semver behaviour. */
class SemVerTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "v0",
        "v1",
        "v1.2",
        "v1.2.3",
        "v1.2.3-pre",
        "v1.2.3-pre.1",
        "v1.2.3-0",
        "v1.2.3-a-b.c-d",
        "v1.2.3+build",
        "v1.2.3-pre+build.01",
        "v1.2.3+incompatible",
        "v123456789012345678901234567890.0.0"
      })
  void valid(String v) {
    assertThat(SemVer.isValid(v)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "1.2.3",
        "v",
        "V1.2.3",
        "v01.2.3",
        "v1.02.3",
        "v1.2.03",
        "v1.2.3.4",
        "v1.2.3-",
        "v1.2.3-01",
        "v1.2.3-a..b",
        "v1.2.3-a_b",
        "v1.2.3+",
        "v1.2.3+a..b",
        "v1-pre",
        "v1.2-pre",
        "v1.2+build",
        "v1.2.3 ",
        "v1.-2.3"
      })
  void invalid(String v) {
    assertThat(SemVer.isValid(v)).isFalse();
    assertThat(SemVer.canonical(v)).isEmpty();
    assertThat(SemVer.major(v)).isEmpty();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "v1, v1.0.0",
    "v1.2, v1.2.0",
    "v1.2.3, v1.2.3",
    "v1.2.3+meta, v1.2.3",
    "v1.2.3-pre+meta, v1.2.3-pre",
    "v2.0.0+incompatible, v2.0.0"
  })
  void canonical(String v, String canonical) {
    assertThat(SemVer.canonical(v)).isEqualTo(canonical);
  }

  @ParameterizedTest(name = "{0} -> {1} canonical={2}")
  @CsvSource({
    "v1.2.3, v1.2.3, true",
    "v1.2, v1.2.0, false",
    "v1.2.3+meta, v1.2.3, false",
    "v2.0.0+incompatible, v2.0.0+incompatible, true",
    "v2+incompatible, '', false", // shorthand + build is invalid in x/mod/semver
    "v1.2.3-pre, v1.2.3-pre, true"
  })
  void canonicalModuleVersion(String v, String canonical, boolean isCanonical) {
    assertThat(SemVer.canonicalModuleVersion(v)).isEqualTo(canonical);
    assertThat(SemVer.isCanonicalModuleVersion(v)).isEqualTo(isCanonical);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource({
    "v0.0.0-20191109021931-daa7c04131f5, true",
    "v1.2.4-0.20191109021931-daa7c04131f5, true",
    "v1.2.3-pre.0.20191109021931-daa7c04131f5, true",
    "v2.0.0-20191109021931-daa7c04131f5, true",
    "v0.0.0-20191109021931-daa7c04131f5+incompatible, true",
    "v1.2.3, false",
    "v1.2.3-pre, false",
    "v1.2.3-pre.1, false",
    "v0.0.0-2019110902193-daa7c04131f5, false",
    "v0.0.0-20191109021931, false",
    "v1.2.4-1.20191109021931-daa7c04131f5, false",
    "v0.0.0-20191109021931-daa7c04131f5-x, false"
  })
  void pseudoVersions(String v, boolean pseudo) {
    assertThat(SemVer.isPseudo(v)).isEqualTo(pseudo);
  }

  @Test
  void partsOfAVersion() {
    assertThat(SemVer.major("v2.3.4-pre+build")).isEqualTo("v2");
    assertThat(SemVer.prerelease("v2.3.4-pre+build")).isEqualTo("-pre");
    assertThat(SemVer.build("v2.3.4-pre+build")).isEqualTo("+build");
    assertThat(SemVer.prerelease("v2.3.4")).isEmpty();
    assertThat(SemVer.build("v2.3.4")).isEmpty();
  }

  @Test
  void ordersBySemverPrecedence() {
    List<String> sorted =
        List.of(
            "bad",
            "v0.0.0-20191109021931-daa7c04131f5",
            "v0.1.0",
            "v1.0.0-0.3.7",
            "v1.0.0-alpha",
            "v1.0.0-alpha.1",
            "v1.0.0-alpha.beta",
            "v1.0.0-beta",
            "v1.0.0-beta.2",
            "v1.0.0-beta.11",
            "v1.0.0-rc.1",
            "v1.0.0",
            "v1.0.1",
            "v1.2.0",
            "v1.10.0",
            "v2.0.0",
            "v10.0.0",
            "v100000000000000000000.0.0");
    for (long seed = 1; seed <= 5; seed++) {
      List<String> shuffled = new ArrayList<>(sorted);
      Collections.shuffle(shuffled, new Random(seed));
      shuffled.sort(SemVer.ORDER);
      assertThat(shuffled).containsExactlyElementsOf(sorted);
    }
  }

  @ParameterizedTest(name = "{0} vs {1} = {2}")
  @CsvSource({
    "v1, v1.0.0, 0",
    "v1.2, v1.2.0, 0",
    "v1.0.0, v1.0.0+build, 0",
    "v1.0.0+a, v1.0.0+b, 0",
    "v1.0.0-alpha, v1.0.0, -1",
    "v1.0.0, v1.0.0-alpha, 1",
    "v1.0.0-2, v1.0.0-10, -1",
    "v1.0.0-a, v1.0.0-1, 1",
    "bad, v0.0.0, -1",
    "v0.0.0, bad, 1",
    "bad, worse, 0",
    "v2.0.0+incompatible, v2.0.0, 0"
  })
  void compare(String a, String b, int expected) {
    assertThat(Integer.signum(SemVer.compare(a, b))).isEqualTo(expected);
  }
}
