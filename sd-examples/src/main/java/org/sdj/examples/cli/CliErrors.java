package org.sdj.examples.cli;

import java.io.PrintWriter;
import java.util.function.BooleanSupplier;
import org.sdj.SdjException;
import picocli.CommandLine;

/**
 * Turns every failure into one {@code sdj: ...} line on standard error and an exit status: {@link #USAGE_ERROR} for
 * bad arguments, {@link #FAILURE} for errors while running. A stack trace is printed only with {@code --verbose}.
 */
final class CliErrors
    implements CommandLine.IParameterExceptionHandler, CommandLine.IExecutionExceptionHandler {
  static final int FAILURE = 1;
  static final int USAGE_ERROR = 2;

  private final BooleanSupplier verbose;

  CliErrors(BooleanSupplier verbose) {
    this.verbose = verbose;
  }

  @Override
  public int handleParseException(CommandLine.ParameterException ex, String[] args) {
    CommandLine commandLine = ex.getCommandLine();
    report(
        commandLine.getErr(),
        ex,
        ex.getMessage() + " (see '" + commandLine.getCommandSpec().qualifiedName() + " --help')");
    return USAGE_ERROR;
  }

  @Override
  public int handleExecutionException(
      Exception ex, CommandLine commandLine, CommandLine.ParseResult parseResult) {
    if (ex instanceof CommandLine.ParameterException usage) {
      return handleParseException(usage, parseResult.originalArgs().toArray(String[]::new));
    }
    String message =
        ex instanceof SdjException
            ? ex.getMessage()
            : "unexpected " + ex.getClass().getName() + ": " + ex.getMessage()
                + (verbose.getAsBoolean() ? "" : " (rerun with --verbose for the stack trace)");
    report(commandLine.getErr(), ex, message);
    return FAILURE;
  }

  private void report(PrintWriter err, Exception ex, String message) {
    if (verbose.getAsBoolean()) {
      ex.printStackTrace(err);
    }
    err.println("sdj: " + message.replaceAll("\\s*\\R\\s*", " ").strip());
    err.flush();
  }
}
