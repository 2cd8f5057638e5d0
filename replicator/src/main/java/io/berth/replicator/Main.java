package io.berth.replicator;

import io.berth.replicator.cli.ReplicatorCommand;

/** Entry point of the replicator's command line ({@code replicator run}, {@code links}). */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    int code = ReplicatorCommand.commandLine().execute(args);
    boolean run = args.length > 1 && args[0].equals("replicator") && args[1].equals("run");
    if (code != 0 || !run) {
      System.exit(code);
    }
  }
}
