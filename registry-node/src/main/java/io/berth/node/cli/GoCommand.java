package io.berth.node.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code berth go ...}: Go module commands. */
@Command(
    name = "go",
    mixinStandardHelpOptions = true,
    description = "Go module commands.",
    subcommands = {GoPublishCommand.class})
public final class GoCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }
}
