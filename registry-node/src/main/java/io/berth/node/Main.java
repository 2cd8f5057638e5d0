package io.berth.node;

import io.berth.node.cli.BerthCommand;
import picocli.CommandLine;

/** Entry point of the {@code berth} command line. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = BerthCommand.commandLine().execute(args);
    if (code != 0 || !isServe(args)) {
      System.exit(code);
    }
  }

  private static boolean isServe(String[] args) {
    return args.length > 0 && args[0].equals("serve");
  }

  static CommandLine cli() {
    return BerthCommand.commandLine();
  }
}
