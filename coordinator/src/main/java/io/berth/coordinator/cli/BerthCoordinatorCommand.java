package io.berth.coordinator.cli;

import io.berth.coordinator.config.ConfigException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The coordinator side of the {@code berth} command: coordinator, probe, env. */
@Command(
    name = "berth",
    mixinStandardHelpOptions = true,
    version = "berth 0.1.0",
    description = "Berth coordinator and client tools.",
    subcommands = {CoordinatorCommand.class, ProbeCommand.class, EnvCommand.class})
public final class BerthCoordinatorCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing subcommand");
  }

  /** The command line, with user errors printed as one line instead of a trace. */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new BerthCoordinatorCommand());
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
