package io.berth.coordinator;

import io.berth.coordinator.cli.BerthCoordinatorCommand;

/** Entry point of {@code berth coordinator|probe|env} (bin/berth dispatches these here). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = BerthCoordinatorCommand.commandLine().execute(args);
    if (code != 0 || args.length == 0 || !args[0].equals("coordinator")) {
      System.exit(code);
    }
  }
}
