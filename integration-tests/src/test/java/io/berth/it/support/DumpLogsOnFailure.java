package io.berth.it.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * When a test fails, prints the last lines of every process log under a directory (nodes,
 * replicators, Kafka), so a failure in CI can be diagnosed after the temporary directory is gone.
 */
public final class DumpLogsOnFailure implements TestWatcher {
  private static final int LINES = 60;
  private final Supplier<Path> dir;

  public DumpLogsOnFailure(Supplier<Path> dir) {
    this.dir = dir;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    Path root = dir.get();
    if (root == null || !Files.isDirectory(root)) {
      return;
    }
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> logs = files.filter(p -> p.toString().endsWith(".log")).sorted().toList();
      for (Path log : logs) {
        List<String> lines =
            List.of(new String(Files.readAllBytes(log), StandardCharsets.UTF_8).split("\n", -1));
        System.out.println(
            "===== "
                + root.relativize(log)
                + " (last "
                + LINES
                + " of "
                + lines.size()
                + ") =====");
        lines.subList(Math.max(0, lines.size() - LINES), lines.size()).forEach(System.out::println);
      }
    } catch (IOException | RuntimeException e) {
      System.out.println("could not dump logs: " + e);
    }
  }

  @Override
  public void testAborted(ExtensionContext context, Throwable cause) {
    testFailed(context, cause);
  }

  @Override
  public void testDisabled(ExtensionContext context, Optional<String> reason) {}
}
