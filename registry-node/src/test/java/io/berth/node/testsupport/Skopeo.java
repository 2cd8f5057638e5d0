package io.berth.node.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The real {@code skopeo} (Debian package) for tests: runs it with an insecure policy, its own
 * temporary directory and HOME under {@code dir}, and reads OCI layout directories that it writes.
 * Images to copy are built with {@link OciImages#writeLayout}.
 */
public final class Skopeo {
  /** The outcome of one run. */
  public record Result(int code, String out, String err) {}

  private final Path dir;

  public Skopeo(Path dir) {
    this.dir = dir;
  }

  /** Fails loudly, with the fix, when skopeo is not installed. */
  public static void require() throws InterruptedException {
    try {
      Process p = new ProcessBuilder("skopeo", "--version").redirectErrorStream(true).start();
      if (p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return;
      }
    } catch (IOException e) {
      // fall through
    }
    throw new AssertionError(
        "the real `skopeo` is required: apt-get install -y skopeo (bin/test-all installs it)");
  }

  /** Runs {@code skopeo <args>} (5 minutes at most). */
  public Result run(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("skopeo");
    cmd.add("--insecure-policy");
    cmd.add("--tmpdir");
    cmd.add(dir.toString());
    cmd.addAll(List.of(args));
    Files.createDirectories(dir.resolve("home"));
    Files.createDirectories(dir.resolve("run"));
    Path out = Files.createTempFile(dir, "skopeo", ".out");
    Path err = Files.createTempFile(dir, "skopeo", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("HOME", dir.resolve("home").toString());
    pb.environment().put("XDG_RUNTIME_DIR", dir.resolve("run").toString());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("skopeo " + String.join(" ", args) + " timed out");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Runs skopeo and asserts it succeeded. */
  public Result ok(String... args) throws IOException, InterruptedException {
    Result r = run(args);
    assertThat(r.code())
        .as("skopeo " + String.join(" ", args) + "\n" + r.out() + "\n" + r.err())
        .isZero();
    return r;
  }

  /**
   * Copies the OCI layout {@code layout:tag} to {@code registry/repository:tag} over plain HTTP.
   */
  public Result push(Path layout, String tag, String registry, String repository, String... extra)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("copy", "--dest-tls-verify=false"));
    args.addAll(List.of(extra));
    args.add("oci:" + layout + ":" + tag);
    args.add("docker://" + registry + "/" + repository + ":" + tag);
    return ok(args.toArray(String[]::new));
  }

  /** Copies {@code registry/repository:tag} into the OCI layout {@code layout:tag}. */
  public Result pull(String registry, String repository, String tag, Path layout, String... extra)
      throws IOException, InterruptedException {
    List<String> args = new ArrayList<>(List.of("copy", "--src-tls-verify=false"));
    args.addAll(List.of(extra));
    args.add("docker://" + registry + "/" + repository + ":" + tag);
    args.add("oci:" + layout + ":" + tag);
    return ok(args.toArray(String[]::new));
  }

  /** digest hex -> bytes of every blob in an OCI layout. */
  public static Map<String, byte[]> layoutBlobs(Path layout) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    try (Stream<Path> files = Files.list(layout.resolve("blobs/sha256"))) {
      for (Path f : (Iterable<Path>) files::iterator) {
        out.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    return out;
  }
}
