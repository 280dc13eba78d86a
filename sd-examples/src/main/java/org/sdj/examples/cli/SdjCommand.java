package org.sdj.examples.cli;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code sdj} command: subcommands for generation, tokenization and model files.
 *
 * <p>Conventions every subcommand follows: the result, and only the result, goes to standard output; a problem is one
 * line {@code sdj: <what to fix>} on standard error, with exit status 2 for a usage error (bad or missing arguments)
 * and 1 for a failure while running (missing or corrupt files, for instance). {@code --verbose} adds the stack trace.
 * Subcommands report bad input by throwing {@link org.sdj.SdjException} (exit 1) or {@link
 * CommandLine.ParameterException} (exit 2); {@link CliErrors} turns them into that line.
 */
@Command(
    name = "sdj",
    mixinStandardHelpOptions = true,
    version = "sdj 0.1.0",
    description = "Stable Diffusion for Java.",
    subcommands = {GenerateCommand.class, UpscaleCommand.class, InfoCommand.class, TokenizeCommand.class,
      ConvertCommand.class, CommandLine.HelpCommand.class})
public final class SdjCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--verbose",
      scope = ScopeType.INHERIT,
      description = "On failure, print the stack trace as well as the error line.")
  boolean verbose;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command");
  }

  /**
   * The library logs through {@code System.Logger} (java.util.logging by default); on the command line its INFO lines
   * (which backend, which model) would clutter the output, so they show only with {@code --verbose}.
   */
  private static void quietLogging(boolean verbose) {
    Logger root = Logger.getLogger("");
    Level level = verbose ? Level.INFO : Level.WARNING;
    root.setLevel(level);
    for (Handler h : root.getHandlers()) {
      h.setLevel(level);
    }
  }

  /** The command line with sdj's error conventions, writing to the given streams. */
  public static CommandLine newCommandLine(PrintWriter out, PrintWriter err) {
    SdjCommand root = new SdjCommand();
    CliErrors errors = new CliErrors(() -> root.verbose);
    CommandLine commandLine = new CommandLine(root);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setParameterExceptionHandler(errors);
    commandLine.setExecutionExceptionHandler(errors);
    return commandLine;
  }

  public static void main(String[] args) {
    quietLogging(Arrays.asList(args).contains("--verbose"));
    PrintWriter out = new PrintWriter(System.out, true);
    PrintWriter err = new PrintWriter(System.err, true);
    int status = newCommandLine(out, err).execute(args);
    out.flush();
    err.flush();
    System.exit(status);
  }
}
