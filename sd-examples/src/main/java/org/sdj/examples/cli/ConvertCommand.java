package org.sdj.examples.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sdj.SdjException;
import org.sdj.io.ckpt.CkptConverter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code sdj convert IN.ckpt OUT.safetensors}: rewrites a PyTorch checkpoint as safetensors, reading it with a
 * restricted unpickler that runs no code from the file.
 */
@Command(
    name = "convert",
    mixinStandardHelpOptions = true,
    description = "Converts a PyTorch .ckpt/.pt checkpoint to .safetensors without running any code from it.")
final class ConvertCommand implements Callable<Integer> {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "IN.ckpt", description = "The checkpoint to read.")
  Path input;

  @Parameters(index = "1", paramLabel = "OUT.safetensors", description = "The file to write.")
  Path output;

  @Override
  public Integer call() {
    if (!Files.isRegularFile(input)) {
      throw new SdjException(input + " does not exist or is not a file");
    }
    if (input.toAbsolutePath().normalize().equals(output.toAbsolutePath().normalize())) {
      throw new CommandLine.ParameterException(spec.commandLine(), "OUT must differ from IN");
    }
    CkptConverter.Result result = CkptConverter.convert(input, output);
    spec.commandLine().getOut().printf("%s: %d tensors, %d bytes%n", result.target(), result.tensorCount(),
        result.tensorBytes());
    spec.commandLine().getOut().flush();
    return 0;
  }
}
