package org.sdj.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code sdj} command: subcommands for generation, tokenization and model files. */
@Command(
    name = "sdj",
    mixinStandardHelpOptions = true,
    version = "sdj 0.1.0",
    description = "Stable Diffusion for Java.",
    subcommands = {CommandLine.HelpCommand.class})
public final class SdjCommand implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.err);
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new SdjCommand()).execute(args));
  }
}
