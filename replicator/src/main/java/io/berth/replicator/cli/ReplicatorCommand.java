package io.berth.replicator.cli;

import io.berth.replicator.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The replicator's root command. */
@Command(
    name = "berth",
    mixinStandardHelpOptions = true,
    version = "berth replicator 0.1.0",
    description = "Berth replicator: cross-region links between registry regions.",
    subcommands = {ReplicatorCommand.Replicator.class, LinksCommand.class})
public final class ReplicatorCommand implements Runnable {

  /** {@code berth replicator ...}. */
  @Command(
      name = "replicator",
      mixinStandardHelpOptions = true,
      description = "Run a replicator instance (berth replicator run --config <file>).",
      subcommands = {RunCommand.class})
  public static final class Replicator implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
      throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand: run");
    }
  }

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** The configured command line, with user errors printed as one line instead of a trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new ReplicatorCommand());
    cl.setExecutionExceptionHandler(
        (ex, cmd, parseResult) -> {
          if (ex instanceof ConfigException || ex instanceof CliException) {
            cmd.getErr().println("berth: " + ex.getMessage());
            return 2;
          }
          throw ex;
        });
    return cl;
  }
}
