package io.berth.node.cli;

import io.berth.common.InvalidCoordinateException;
import io.berth.common.ModulePath;
import io.berth.common.ModuleVersion;
import io.berth.node.gomod.zip.ModuleZipBuilder;
import io.berth.node.gomod.zip.ModuleZipException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code berth go publish <dir> <module>@<version>}: builds the module zip locally (same rules as
 * the go command) and uploads it to a registry node.
 */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = "Build a module zip from a directory and publish it as <module>@<version>.")
public final class GoPublishCommand implements Callable<Integer> {

  static final String DEFAULT_REGISTRY = "http://localhost:8080";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "<dir>", description = "The module's root directory.")
  Path dir;

  @Parameters(
      index = "1",
      paramLabel = "<module>@<version>",
      description = "Module path and canonical version, e.g. corp.example.com/lib@v1.2.3.")
  String coordinate;

  @Option(
      names = "--registry",
      paramLabel = "URL",
      description = "Registry base URL. Env: BERTH_REGISTRY. Default: " + DEFAULT_REGISTRY + ".")
  String registry;

  @Option(
      names = "--time",
      paramLabel = "RFC3339",
      description = "Version time recorded by the registry (default: the server's clock).")
  String time;

  /** A parsed {@code <module>@<version>} argument. */
  record Target(ModulePath path, String version) {}

  @Override
  public Integer call() throws Exception {
    Target target = parseTarget(coordinate);
    String timeParam = time == null ? null : parseTime(time);
    URI uri = uploadUri(registryBase(registry, System.getenv("BERTH_REGISTRY")), target, timeParam);
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    if (!Files.isDirectory(dir)) {
      throw new CliException(dir + " is not a directory");
    }
    Path zip = Files.createTempFile("berth-publish-", ".zip");
    try {
      try (OutputStream os = Files.newOutputStream(zip)) {
        new ModuleZipBuilder().createFromDir(dir, target.path(), target.version(), os);
      } catch (ModuleZipException e) {
        for (ModuleZipException.Problem p : e.problems()) {
          err.println("berth: " + p);
        }
        throw new CliException(
            "cannot publish " + target.path() + "@" + target.version() + ": invalid module zip");
      }
      HttpClient client =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(10))
              .followRedirects(HttpClient.Redirect.NEVER)
              .build();
      HttpRequest request =
          HttpRequest.newBuilder(uri)
              .timeout(Duration.ofMinutes(10))
              .header("Content-Type", "application/zip")
              .PUT(HttpRequest.BodyPublishers.ofFile(zip))
              .build();
      HttpResponse<String> response;
      try {
        response = client.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        throw new CliException("cannot reach registry " + uri.getHost() + ": " + e);
      }
      String body = response.body().strip();
      if (response.statusCode() / 100 != 2) {
        err.println("berth: publish failed (" + response.statusCode() + "): " + body);
        return 1;
      }
      out.println(body);
      return 0;
    } finally {
      Files.deleteIfExists(zip);
    }
  }

  /**
   * Splits and validates {@code <module>@<version>}.
   *
   * @throws CliException if either part is malformed or the version is not canonical for the path
   */
  static Target parseTarget(String coordinate) {
    int at = coordinate.indexOf('@');
    if (at <= 0 || at == coordinate.length() - 1 || coordinate.indexOf('@', at + 1) >= 0) {
      throw new CliException(
          "expected <module>@<version>, e.g. corp.example.com/lib@v1.2.3, got " + coordinate);
    }
    try {
      ModulePath path = ModulePath.of(coordinate.substring(0, at));
      ModuleVersion mv = ModuleVersion.canonical(path, coordinate.substring(at + 1));
      return new Target(mv.path(), mv.version());
    } catch (InvalidCoordinateException e) {
      throw new CliException(e.getMessage());
    }
  }

  /** Validates an RFC 3339 time and returns it unchanged. */
  static String parseTime(String time) {
    try {
      OffsetDateTime.parse(time, DateTimeFormatter.ISO_OFFSET_DATE_TIME);
      return time;
    } catch (DateTimeParseException e) {
      throw new CliException("--time must be an RFC 3339 time such as 2024-05-01T12:00:00Z");
    }
  }

  /** The registry base URL: the option, else {@code BERTH_REGISTRY}, else the default. */
  static String registryBase(String option, String env) {
    String base = option != null ? option : env != null && !env.isBlank() ? env : DEFAULT_REGISTRY;
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    URI uri;
    try {
      uri = URI.create(base);
    } catch (IllegalArgumentException e) {
      throw new CliException("invalid registry URL " + base);
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null
        || uri.getRawQuery() != null
        || uri.getRawFragment() != null) {
      throw new CliException("invalid registry URL " + base + " (need http:// or https://)");
    }
    return base;
  }

  /** {@code <base>/_berth/api/go/publish/<escaped module>/@v/<escaped version>.zip[?time=...]}. */
  static URI uploadUri(String base, Target target, String time) {
    StringBuilder b =
        new StringBuilder(base)
            .append("/_berth/api/go/publish/")
            .append(target.path().escaped())
            .append("/@v/")
            .append(ModulePath.escape(target.version()))
            .append(".zip");
    if (time != null) {
      b.append("?time=").append(URLEncoder.encode(time, StandardCharsets.UTF_8));
    }
    return URI.create(b.toString());
  }
}
