package org.sdj.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sdj.SdjException;
import org.sdj.image.ImageFiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code sdj info FILE}: prints the generation parameters a PNG or JPEG carries (AUTOMATIC1111's format). */
@Command(
    name = "info",
    mixinStandardHelpOptions = true,
    description = "Prints the generation parameters stored in a PNG or JPEG by sdj or AUTOMATIC1111.")
final class InfoCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The image: a PNG or JPEG.")
  Path file;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(file)) {
      throw new SdjException(file + " does not exist or is not a file");
    }
    String parameters = ImageFiles.readParameters(file)
        .orElseThrow(() -> new SdjException(file + " carries no generation parameters"));
    spec.commandLine().getOut().println(parameters);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
