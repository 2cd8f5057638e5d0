package io.berth.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Table tests for module path validation and case-encoding (golang.org/x/mod/module rules). */
class ModulePathTest {

  @ParameterizedTest
  @ValueSource(
      strings = {
        "example.com",
        "example.com/a/b",
        "github.com/Azure/azure-sdk-for-go",
        "corp.example.com/Team/lib",
        "example.com/a_b-c.d~e",
        "example.com/a..b", // only elements made entirely of dots are rejected
        "example.com/x.con", // the Windows check looks at the part before the first dot
        "example.com/com10",
        "example.com/foo~bar",
        "example.com/v2",
        "example.com/m/v2",
        "example.com/m/v10",
        "example.com/m/v2x",
        "gopkg.in/yaml.v2",
        "gopkg.in/yaml.v0",
        "gopkg.in/check.v1",
        "gopkg.in/yaml.v2-unstable",
        "a.b-c.d/-x"
      })
  void acceptsValidPaths(String path) {
    ModulePath p = ModulePath.of(path);
    assertThat(p.value()).isEqualTo(path);
    assertThat(ModulePath.fromEscaped(p.escaped())).isEqualTo(p);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "``|empty string",
        "example|missing dot in first path element",
        "Example.com/x|invalid char 'E' in first path element",
        "exa_mple.com/x|invalid char '_' in first path element",
        "-example.com/x|leading dash",
        "example.com/|trailing slash",
        "/example.com|empty path element",
        "example.com//x|double slash",
        "example.com/../x|invalid path element \"..\"",
        "example.com/..|invalid path element \"..\"",
        "example.com/./x|invalid path element \".\"",
        "example.com/.hidden|leading dot in path element",
        "example.com/x.|trailing dot in path element",
        "example.com/%2e%2e|invalid char '%'",
        "example.com/a%2Fb|invalid char '%'",
        "example.com/a;b|invalid char ';'",
        "example.com/a\\b|invalid char '\\'",
        "example.com/a b|invalid char ' '",
        "example.com/a+b|invalid char '+'",
        "example.com/a@v1|invalid char '@'",
        "example.com/caf\u00e9|invalid char '\\xe9'",
        "example.com/con|\"con\" disallowed as path element component on Windows",
        "example.com/com1.txt|\"com1\" disallowed as path element component on Windows",
        "example.com/LPT9|\"LPT9\" disallowed as path element component on Windows",
        "example.com/Nul.go|\"Nul\" disallowed as path element component on Windows",
        "example.com/PROGRA~1|trailing tilde and digits in path element",
        "example.com/m/v1|invalid major version suffix",
        "example.com/m/v0|invalid major version suffix",
        "example.com/m/v02|invalid major version suffix",
        "example.com/m/v2.0|invalid major version suffix",
        "example.com/m/v1.5|invalid major version suffix",
        "gopkg.in/yaml|invalid major version suffix",
        "gopkg.in/yaml.v|invalid major version suffix",
        "gopkg.in/yaml.v02|invalid major version suffix",
      })
  void rejectsInvalidPaths(String path, String reason) {
    assertThatThrownBy(() -> ModulePath.of(path))
        .isInstanceOf(InvalidCoordinateException.class)
        .hasMessageContaining(reason)
        .hasMessageNotContaining("\u0000");
  }

  @Test
  void rejectsNulAndControlCharacters() {
    assertThatThrownBy(() -> ModulePath.of("example.com/a\u0000b"))
        .isInstanceOf(InvalidCoordinateException.class)
        .hasMessageContaining("invalid char '\\x00'")
        .hasMessageNotContaining("\u0000");
    assertThatThrownBy(() -> ModulePath.fromEscaped("example.com/a\u0000b"))
        .isInstanceOf(InvalidCoordinateException.class);
    assertThatThrownBy(() -> ModulePath.fromEscaped("example.com/a\nb"))
        .isInstanceOf(InvalidCoordinateException.class);
  }

  @ParameterizedTest(name = "{0} <-> {1}")
  @CsvSource({
    "github.com/Azure/azure-sdk-for-go, github.com/!azure/azure-sdk-for-go",
    "github.com/GoogleCloudPlatform/x, github.com/!google!cloud!platform/x",
    "github.com/Sirupsen/logrus, github.com/!sirupsen/logrus",
    "example.com/lower, example.com/lower",
    "corp.example.com/Team/lib/v2, corp.example.com/!team/lib/v2"
  })
  void escapesAndUnescapes(String path, String escaped) {
    assertThat(ModulePath.escape(path)).isEqualTo(escaped);
    assertThat(ModulePath.of(path).escaped()).isEqualTo(escaped);
    assertThat(ModulePath.fromEscaped(escaped).value()).isEqualTo(path);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "github.com/Azure/x|uppercase letters must be written as '!' + lowercase",
        "github.com/!!azure/x|'!' must be followed by a lowercase letter",
        "github.com/!Azure/x|'!' must be followed by a lowercase letter",
        "github.com/!1/x|'!' must be followed by a lowercase letter",
        "github.com/!/x|'!' must be followed by a lowercase letter",
        "github.com/azure!|trailing '!'",
        "github.com/caf\u00e9|non-ASCII",
        "example.com/%2e%2e|invalid char '%'",
        "example.com/a%2Fb|uppercase letters must be written", // %2F: the F is rejected first
        "example.com/a%2fb|invalid char '%'",
        "example.com/a;b|invalid char ';'",
        "example.com/..|invalid path element",
        "!example.com/x|invalid char 'E' in first path element",
        "example.com/!con|disallowed as path element component on Windows",
      })
  void rejectsBadEscapedPaths(String escaped, String reason) {
    assertThatThrownBy(() -> ModulePath.fromEscaped(escaped))
        .isInstanceOf(InvalidCoordinateException.class)
        .hasMessageContaining(reason);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "v1.0.0-!r!c.1, v1.0.0-RC.1",
    "v1.2.3, v1.2.3",
    "master, master",
    "!feature-!x, Feature-X",
    ".hidden-branch, .hidden-branch"
  })
  void unescapesVersions(String escaped, String version) {
    assertThat(ModuleVersion.unescapeVersion(escaped)).isEqualTo(version);
    assertThat(ModulePath.escape(version)).isEqualTo(escaped);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "``|empty string",
        "v1.0.0-RC.1|uppercase",
        "v1.0.0!|trailing '!'",
        "v1.0.0-!!rc|'!' must be followed",
        "v1/2|slash",
        "..|invalid path element",
        "con|disallowed as path element component on Windows",
        "v1.0.0;rm|invalid char ';'",
        "v1.0.0*|invalid char '*'",
        "v1.0.\u00e9|non-ASCII",
      })
  void rejectsBadEscapedVersions(String escaped, String reason) {
    assertThatThrownBy(() -> ModuleVersion.unescapeVersion(escaped))
        .isInstanceOf(InvalidCoordinateException.class)
        .hasMessageContaining(reason);
  }

  @Test
  void rejectsNulInVersions() {
    assertThatThrownBy(() -> ModuleVersion.unescapeVersion("v1.0.0\u0000"))
        .isInstanceOf(InvalidCoordinateException.class)
        .hasMessageNotContaining("\u0000");
  }

  @ParameterizedTest(name = "{0} major {1}")
  @CsvSource(
      value = {
        "example.com/m, ''",
        "example.com/m/v2, /v2",
        "example.com/m/v10, /v10",
        "gopkg.in/yaml.v2, .v2",
        "gopkg.in/yaml.v0, .v0",
        "gopkg.in/yaml.v2-unstable, .v2-unstable"
      })
  void pathMajor(String path, String major) {
    assertThat(ModulePath.of(path).pathMajor()).isEqualTo(major);
  }

  @ParameterizedTest(name = "{0}@{1}: {2}")
  @CsvSource({
    "example.com/m, v0.1.0, true",
    "example.com/m, v1.2.3, true",
    "example.com/m, v1.2.3-pre, true",
    "example.com/m, v2.0.0, false",
    "example.com/m, v2.0.0+incompatible, true",
    "example.com/m, v1.0.0+incompatible, true",
    "example.com/m/v2, v2.0.0, true",
    "example.com/m/v2, v2.1.0-pre, true",
    "example.com/m/v2, v1.0.0, false",
    "example.com/m/v2, v3.0.0, false",
    "example.com/m/v2, v0.0.0-20191109021931-daa7c04131f5, false",
    "example.com/m/v3, v3.0.0-20191109021931-daa7c04131f5, true",
    "gopkg.in/yaml.v2, v2.4.0, true",
    "gopkg.in/yaml.v2, v1.0.0, false",
    "gopkg.in/check.v1, v1.0.0, true",
    "gopkg.in/check.v1, v0.0.0-20161208181325-20d25e280405, true",
    "gopkg.in/check.v1, v0.1.0, false",
    "gopkg.in/yaml.v2-unstable, v2.0.0, true",
    "gopkg.in/yaml.v0, v0.1.0, true",
    "gopkg.in/yaml.v0, v1.0.0, false",
    "example.com/m, not-a-version, false"
  })
  void matchesMajor(String path, String version, boolean ok) {
    assertThat(ModulePath.of(path).matchesMajor(version)).isEqualTo(ok);
  }

  @ParameterizedTest(name = "{0}@{1}")
  @CsvSource({
    "example.com/m, v1.2",
    "example.com/m, v1.2.3+meta",
    "example.com/m, 1.2.3",
    "example.com/m, v2.0.0",
    "example.com/m/v2, v1.0.0",
    "example.com/m, master"
  })
  void canonicalRejectsNonCanonicalOrMismatchedVersions(String path, String version) {
    assertThatThrownBy(() -> ModuleVersion.canonical(ModulePath.of(path), version))
        .isInstanceOf(InvalidCoordinateException.class);
    assertThat(new ModuleVersion(ModulePath.of(path), version).isCanonical()).isFalse();
  }

  @ParameterizedTest(name = "{0}@{1}")
  @CsvSource({
    "example.com/m, v1.2.3",
    "example.com/m, v2.0.0+incompatible",
    "example.com/m/v2, v2.0.0-rc.1",
    "example.com/m, v0.0.0-20191109021931-daa7c04131f5"
  })
  void canonicalAcceptsCanonicalVersions(String path, String version) {
    ModuleVersion mv = ModuleVersion.canonical(ModulePath.of(path), version);
    assertThat(mv.isCanonical()).isTrue();
    assertThat(mv.toString()).isEqualTo(path + "@" + version);
  }

  @Test
  void equalityAndOrdering() {
    assertThat(ModulePath.of("example.com/a")).isEqualTo(ModulePath.of("example.com/a"));
    assertThat(ModulePath.of("example.com/A")).isNotEqualTo(ModulePath.of("example.com/a"));
    assertThat(ModulePath.of("example.com/a").compareTo(ModulePath.of("example.com/b")))
        .isNegative();
  }
}
