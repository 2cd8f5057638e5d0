package io.berth.node.cli;

import io.berth.node.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The root {@code berth} command; subcommands do the work. */
@Command(
    name = "berth",
    mixinStandardHelpOptions = true,
    version = "berth 0.1.0",
    description = "Berth: a multi-region registry for Go modules and OCI images.",
    subcommands = {
      ServeCommand.class,
      GoCommand.class,
      GcCommand.class,
      ScrubCommand.class,
      PromoteCommand.Promote.class,
      PromoteCommand.Demote.class
    })
public final class BerthCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** The configured command line, with user errors printed as one line instead of a trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new BerthCommand());
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
