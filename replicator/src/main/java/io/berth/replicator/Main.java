package io.berth.replicator;

import io.berth.replicator.cli.ReplicatorCommand;

/** Entry point of the replicator's command line ({@code run}, {@code links}). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = ReplicatorCommand.commandLine().execute(args);
    if (code != 0 || args.length == 0 || !args[0].equals("run")) {
      System.exit(code);
    }
  }
}
