package io.berth.node.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code go} command (Debian golang-go) with an isolated GOPATH, module cache, build
 * cache and HOME, so every run starts with a cold cache unless it reuses the same instance.
 */
public final class GoTool {
  /** The outcome of one go command. */
  public record Result(int exitCode, String stdout, String stderr) {
    public boolean ok() {
      return exitCode == 0;
    }
  }

  private final Path home;
  private final Map<String, String> env = new HashMap<>();

  public GoTool(Path home) throws IOException {
    this.home = home;
    Files.createDirectories(home);
    env.put("HOME", home.toString());
    env.put("GOPATH", home.resolve("gopath").toString());
    env.put("GOMODCACHE", home.resolve("gopath/pkg/mod").toString());
    env.put("GOCACHE", home.resolve("gocache").toString());
    env.put("GOFLAGS", "-modcacherw");
    env.put("GOTOOLCHAIN", "local");
    env.put("GONOSUMDB", "");
    env.put("GOPRIVATE", "");
    env.put("GONOPROXY", "");
    env.put("GOINSECURE", "");
    env.put("CGO_ENABLED", "0");
  }

  /** Fails loudly when the go command is missing. */
  public static void requireGo() {
    try {
      Process p = new ProcessBuilder("go", "version").redirectErrorStream(true).start();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return;
      }
    } catch (IOException | InterruptedException e) {
      // fall through
    }
    throw new AssertionError(
        "the real `go` command is required: apt-get install -y golang-go (.ci/run installs it)");
  }

  public GoTool env(String key, String value) {
    env.put(key, value);
    return this;
  }

  public Path home() {
    return home;
  }

  /** Runs {@code go <args>} in {@code dir} with a timeout of 5 minutes. */
  public Result run(Path dir, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("go");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
    pb.environment().putAll(env);
    Path out = Files.createTempFile(home, "go-out", ".txt");
    Path err = Files.createTempFile(home, "go-err", ".txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("go " + String.join(" ", args) + " timed out");
    }
    return new Result(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }
}
