package org.sdj.examples.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sdj.Control;
import org.sdj.ControlPreprocessor;
import org.sdj.GenerationRequest;
import org.sdj.image.Images;
import org.sdj.image.ResizeMode;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * {@code sdj generate}'s options for the control images that ControlNets ({@code --controlnet}, repeatable) follow:
 * the n-th {@code --control-image} is the n-th ControlNet's; a tuning option given once holds for all of them.
 */
final class ControlOptions {
  @Option(names = "--control-image", paramLabel = "FILE",
      description = "With --controlnet: the control image (edges, depth, pose... as the ControlNet expects), resized"
          + " to the picture's size; one per --controlnet, in their order.")
  List<Path> images = new ArrayList<>();

  @Option(names = "--control-scale", paramLabel = "S",
      description = "With --controlnet: how strongly it steers, at least 0 (default: 1); once for all, or once each.")
  List<Double> scales = new ArrayList<>();

  @Option(names = "--control-start", paramLabel = "X",
      description = "With --controlnet: the fraction of the steps after which it starts (default: 0).")
  List<Double> starts = new ArrayList<>();

  @Option(names = "--control-end", paramLabel = "X",
      description = "With --controlnet: the fraction of the steps after which it stops (default: 1).")
  List<Double> ends = new ArrayList<>();

  @Option(names = "--control-resize-mode", paramLabel = "MODE",
      description = "With --controlnet: how a control image of another shape is brought to the picture's size:"
          + " just-resize (stretched; the default), crop-and-resize or resize-and-fill (A1111's ControlNet unit's"
          + " modes); once for all, or once each.")
  List<String> resizeModes = new ArrayList<>();

  @Option(names = "--control-preprocessor", paramLabel = "NAME",
      description = "With --controlnet: what is made of the control image first (A1111's ControlNet Preprocessor):"
          + " none (the image is the control image; the default), invert (black lines on white made white on"
          + " black) or canny (OpenCV's Canny edges of a picture, at thresholds 100 and 200, or canny:LOW:HIGH); once"
          + " for all, or once each.")
  List<String> preprocessors = new ArrayList<>();

  /** Adds the control images to {@code request}; refuses them, or tuning without them, when they do not fit. */
  void apply(CommandSpec spec, int controlNets, GenerationRequest.Builder request) {
    boolean tuned = !scales.isEmpty() || !starts.isEmpty() || !ends.isEmpty() || !resizeModes.isEmpty()
        || !preprocessors.isEmpty();
    if (images.isEmpty()) {
      if (controlNets > 0 || tuned) {
        throw new CommandLine.ParameterException(spec.commandLine(), controlNets > 0
            ? "--controlnet follows a control image: add --control-image"
            : "--control-scale, --control-start, --control-end, --control-resize-mode and --control-preprocessor"
                + " tune a ControlNet: add"
                + " --controlnet and"
                + " --control-image");
      }
      return;
    }
    if (controlNets == 0) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--control-image is for a ControlNet: add"
          + " --controlnet");
    }
    if (images.size() != controlNets) {
      throw new CommandLine.ParameterException(spec.commandLine(), "give one --control-image per --controlnet ("
          + controlNets + "), in their order; got " + images.size());
    }
    if (resizeModes.size() > 1 && resizeModes.size() != images.size()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--control-resize-mode is given "
          + resizeModes.size() + " times: once for all ControlNets or once for each (" + images.size() + ")");
    }
    if (preprocessors.size() > 1 && preprocessors.size() != images.size()) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--control-preprocessor is given "
          + preprocessors.size() + " times: once for all ControlNets or once for each (" + images.size() + ")");
    }
    for (int i = 0; i < images.size(); i++) {
      String preprocessor = preprocessors.isEmpty() ? "none" : preprocessors.get(preprocessors.size() == 1 ? 0 : i);
      ControlPreprocessor first = ControlPreprocessor.named(preprocessor).orElseThrow(() ->
          new CommandLine.ParameterException(spec.commandLine(), "--control-preprocessor " + preprocessor
              + ": say none, invert, canny or canny:LOW:HIGH"));
      ResizeMode mode = resizeModes.isEmpty() ? ResizeMode.JUST_RESIZE
          : GenerateCommand.resizeMode(spec, "--control-resize-mode", resizeModes.get(resizeModes.size() == 1 ? 0 : i));
      request.control(new Control(Images.read(images.get(i)), value(spec, "--control-scale", scales, i,
          Control.DEFAULT_SCALE), value(spec, "--control-start", starts, i, 0), value(spec, "--control-end", ends, i,
          1), mode, first));
    }
  }

  /** The i-th ControlNet's value: {@code fallback} if none was given, the one given, or the i-th of one each. */
  private double value(CommandSpec spec, String option, List<Double> given, int i, double fallback) {
    if (given.size() > 1 && given.size() != images.size()) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + " is given " + given.size() + " times:"
          + " once for all ControlNets or once for each (" + images.size() + ")");
    }
    return given.isEmpty() ? fallback : given.get(given.size() == 1 ? 0 : i);
  }
}
