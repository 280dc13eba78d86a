package org.sdj.examples.cli;

import java.nio.file.Path;
import org.sdj.Control;
import org.sdj.GenerationRequest;
import org.sdj.image.Images;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code sdj generate}'s options for the control image a ControlNet ({@code --controlnet}) follows. */
final class ControlOptions {
  @Option(names = "--control-image", paramLabel = "FILE",
      description = "With --controlnet: the control image (edges, depth, pose... as the ControlNet expects), resized"
          + " to the picture's size.")
  Path image;

  @Option(names = "--control-scale", paramLabel = "S",
      description = "With --controlnet: how strongly it steers, at least 0 (default: ${DEFAULT-VALUE}).")
  double scale = Control.DEFAULT_SCALE;

  @Option(names = "--control-start", paramLabel = "X",
      description = "With --controlnet: the fraction of the steps after which it starts (default: ${DEFAULT-VALUE}).")
  double start = 0;

  @Option(names = "--control-end", paramLabel = "X",
      description = "With --controlnet: the fraction of the steps after which it stops (default: ${DEFAULT-VALUE}).")
  double end = 1;

  /** Adds the control image to {@code request}; refuses it, or tuning without it, when they do not go together. */
  void apply(CommandSpec spec, boolean controlNet, GenerationRequest.Builder request) {
    CommandLine.ParseResult given = spec.commandLine().getParseResult();
    boolean tuned = given.hasMatchedOption("--control-scale") || given.hasMatchedOption("--control-start")
        || given.hasMatchedOption("--control-end");
    if (image == null) {
      if (controlNet || tuned) {
        throw new CommandLine.ParameterException(spec.commandLine(), controlNet
            ? "--controlnet follows a control image: add --control-image"
            : "--control-scale, --control-start and --control-end tune a ControlNet: add --controlnet and"
                + " --control-image");
      }
      return;
    }
    if (!controlNet) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--control-image is for a ControlNet: add"
          + " --controlnet");
    }
    request.control(new Control(Images.read(image), scale, start, end));
  }
}
