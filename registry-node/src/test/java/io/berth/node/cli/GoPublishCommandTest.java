package io.berth.node.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Argument parsing and URL building of {@code berth go publish}; no server involved. */
class GoPublishCommandTest {

  @TempDir Path tmp;

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "corp.example.com/lib@v1.2.3, corp.example.com/lib, v1.2.3, corp.example.com/lib/@v/v1.2.3.zip",
    "corp.example.com/Team/Lib@v1.0.0, corp.example.com/Team/Lib, v1.0.0,"
        + " corp.example.com/!team/!lib/@v/v1.0.0.zip",
    "example.com/m/v2@v2.0.0-RC.1, example.com/m/v2, v2.0.0-RC.1,"
        + " example.com/m/v2/@v/v2.0.0-!r!c.1.zip",
    "example.com/m@v3.0.0+incompatible, example.com/m, v3.0.0+incompatible,"
        + " example.com/m/@v/v3.0.0+incompatible.zip",
    "gopkg.in/yaml.v2@v2.4.0, gopkg.in/yaml.v2, v2.4.0, gopkg.in/yaml.v2/@v/v2.4.0.zip"
  })
  void splitsAndEscapes(String arg, String path, String version, String urlTail) {
    GoPublishCommand.Target t = GoPublishCommand.parseTarget(arg);
    assertThat(t.path().value()).isEqualTo(path);
    assertThat(t.version()).isEqualTo(version);
    assertThat(GoPublishCommand.uploadUri("http://127.0.0.1:8080", t, null).toString())
        .isEqualTo("http://127.0.0.1:8080/_berth/api/go/publish/" + urlTail);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "example.com/m",
        "@v1.0.0",
        "example.com/m@",
        "example.com/m@v1.0.0@v2",
        "example.com/m@v1.2",
        "example.com/m@v1.2.3+meta",
        "example.com/m@master",
        "example.com/m@v2.0.0",
        "example.com/m/v2@v1.0.0",
        "Example.com/m@v1.0.0",
        "example.com/../m@v1.0.0",
        "example.com/m%2f..@v1.0.0"
      })
  void rejectsBadTargets(String arg) {
    assertThatThrownBy(() -> GoPublishCommand.parseTarget(arg)).isInstanceOf(CliException.class);
  }

  @Test
  void encodesTimeQuery() {
    GoPublishCommand.Target t = GoPublishCommand.parseTarget("example.com/m@v1.0.0");
    assertThat(GoPublishCommand.parseTime("2024-01-02T03:04:05+01:00"))
        .isEqualTo("2024-01-02T03:04:05+01:00");
    assertThat(GoPublishCommand.uploadUri("https://r.example", t, "2024-01-02T03:04:05+01:00"))
        .hasToString(
            "https://r.example/_berth/api/go/publish/example.com/m/@v/v1.0.0.zip"
                + "?time=2024-01-02T03%3A04%3A05%2B01%3A00");
    assertThat(GoPublishCommand.parseTime("2024-01-02T03:04:05.123Z"))
        .isEqualTo("2024-01-02T03:04:05.123Z");
  }

  @ParameterizedTest
  @ValueSource(strings = {"yesterday", "2024-01-02", "2024-01-02T03:04:05", "1700000000"})
  void rejectsBadTimes(String time) {
    assertThatThrownBy(() -> GoPublishCommand.parseTime(time))
        .isInstanceOf(CliException.class)
        .hasMessageContaining("RFC 3339");
  }

  @Test
  void registryComesFromOptionThenEnvThenDefault() {
    assertThat(GoPublishCommand.registryBase("http://a:1/", "http://b:2")).isEqualTo("http://a:1");
    assertThat(GoPublishCommand.registryBase(null, "https://b:2/base/"))
        .isEqualTo("https://b:2/base");
    assertThat(GoPublishCommand.registryBase(null, null)).isEqualTo("http://localhost:8080");
    assertThat(GoPublishCommand.registryBase(null, " ")).isEqualTo("http://localhost:8080");
    for (String bad : new String[] {"ftp://x", "localhost:8080", "http://x/?a=b", "http:///x"}) {
      assertThatThrownBy(() -> GoPublishCommand.registryBase(bad, null))
          .as(bad)
          .isInstanceOf(CliException.class);
    }
  }

  @Test
  void isRegisteredUnderBerthGo() {
    Result r = run("go", "publish", "--help");
    assertThat(r.exit).isZero();
    assertThat(r.out).contains("<module>@<version>", "--registry", "--time");
  }

  @Test
  void badTargetExitsWith2() throws Exception {
    Result r = run("go", "publish", tmp.toString(), "example.com/m@v1.2");
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err).startsWith("berth: ").contains("not a canonical");
  }

  @Test
  void invalidModuleDirectoryPrintsEachProblemAndExitsWith2() throws Exception {
    Path d = Files.createDirectories(tmp.resolve("mod"));
    Files.writeString(d.resolve("go.mod"), "module example.com/m\n");
    Files.writeString(d.resolve("a?.go"), "package m\n");
    Files.writeString(d.resolve("README"), "x\n");
    Files.writeString(d.resolve("readme"), "y\n");
    // an unroutable registry: the command must fail before any upload is attempted
    Result r =
        run(
            "go",
            "publish",
            d.toString(),
            "example.com/m@v1.0.0",
            "--registry",
            "http://127.0.0.1:9");
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err.lines())
        .anySatisfy(l -> assertThat(l).startsWith("berth: a?.go: ").contains("invalid char '?'"))
        .anySatisfy(l -> assertThat(l).startsWith("berth: readme: ").contains("case-insensitive"))
        .anySatisfy(l -> assertThat(l).contains("berth: cannot publish example.com/m@v1.0.0"));
  }

  @Test
  void missingDirectoryExitsWith2() {
    Result r = run("go", "publish", tmp.resolve("nope").toString(), "example.com/m@v1.0.0");
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err).contains("is not a directory");
  }

  private record Result(int exit, String out, String err) {}

  private static Result run(String... args) {
    CommandLine cl = BerthCommand.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int exit = cl.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }
}
