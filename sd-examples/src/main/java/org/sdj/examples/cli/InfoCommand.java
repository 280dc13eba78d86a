package org.sdj.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sdj.SdjException;
import org.sdj.image.PngMetadata;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sdj info FILE.png}: prints the generation parameters a PNG carries (AUTOMATIC1111's format). */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = "Prints the generation parameters stored in a PNG by sdj or AUTOMATIC1111.")
final class InfoCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE.png", description = "The image.")
  Path file;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      throw new SdjException(file + " does not exist or is not a file");
    }
    String parameters = PngMetadata.readParameters(file)
        .orElseThrow(() -> new SdjException(file + " carries no generation parameters"));
    spec.commandLine().getOut().println(parameters);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
