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
 * Runs Debian's real {@code skopeo} with a private HOME, runtime dir and temp dir (so no user
 * configuration or credentials leak into tests), and reads OCI layout directories it wrote.
 */
public final class Skopeo {
  private final Path work;

  /** A skopeo runner whose HOME, XDG_RUNTIME_DIR and --tmpdir live under {@code work}. */
  public Skopeo(Path work) {
    this.work = work;
  }

  /** Fails with the install hint when skopeo is missing. */
  public static void require() throws Exception {
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

  /** A finished skopeo run. */
  public record Result(int code, String out, String err) {
    public boolean ok() {
      return code == 0;
    }
  }

  /** Runs {@code skopeo --insecure-policy --tmpdir <work> <args>}. */
  public Result run(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add("skopeo");
    cmd.add("--insecure-policy");
    cmd.add("--tmpdir");
    cmd.add(work.toString());
    cmd.addAll(List.of(args));
    Files.createDirectories(work.resolve("home"));
    Files.createDirectories(work.resolve("run"));
    Path out = Files.createTempFile(work, "skopeo", ".out");
    Path err = Files.createTempFile(work, "skopeo", ".err");
    ProcessBuilder pb = new ProcessBuilder(cmd);
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("HOME", work.resolve("home").toString());
    pb.environment().put("XDG_RUNTIME_DIR", work.resolve("run").toString());
    Process p = pb.start();
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("skopeo " + String.join(" ", args) + " timed out");
    }
    return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
  }

  /** Runs skopeo and asserts it succeeded. */
  public Result ok(String... args) throws Exception {
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
      throws Exception {
    List<String> args = new ArrayList<>(List.of("copy", "--dest-tls-verify=false"));
    args.addAll(List.of(extra));
    args.add("oci:" + layout + ":" + tag);
    args.add("docker://" + registry + "/" + repository + ":" + tag);
    return ok(args.toArray(String[]::new));
  }

  /** Copies {@code registry/repository:tag} into the OCI layout {@code layout:tag}. */
  public Result pull(String registry, String repository, String tag, Path layout, String... extra)
      throws Exception {
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
