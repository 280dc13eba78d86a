package org.sdj.examples.cli;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.sdj.SdxlConditioning;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** {@code sdj generate}'s options for SDXL's own conditioning ({@link SdxlConditioning}), diffusers' argument names. */
final class SdxlOptions {
  private static final Pattern SIZE = Pattern.compile("(\\d{1,6})x(\\d{1,6})");
  private static final Pattern CORNER = Pattern.compile("(\\d{1,6}),(\\d{1,6})");

  @Option(names = "--prompt-2", paramLabel = "TEXT",
      description = "SDXL: what the second text encoder reads (diffusers' prompt_2; default: --prompt).")
  String prompt2;

  @Option(names = "--negative-prompt-2", paramLabel = "TEXT",
      description = "SDXL: the second text encoder's negative prompt (default: --negative-prompt).")
  String negativePrompt2;

  @Option(names = "--original-size", paramLabel = "WxH",
      description = "SDXL: the size the model is told the training picture had (default: the picture's).")
  String originalSize;

  @Option(names = "--crop-top-left", paramLabel = "TOP,LEFT",
      description = "SDXL: where that picture was cropped from (default: 0,0, a centered picture).")
  String cropTopLeft;

  @Option(names = "--target-size", paramLabel = "WxH",
      description = "SDXL: the size asked for (default: the picture's).")
  String targetSize;

  @Option(names = "--negative-original-size", paramLabel = "WxH",
      description = "SDXL: --original-size of the unconditional half (default: --original-size).")
  String negativeOriginalSize;

  @Option(names = "--negative-crop-top-left", paramLabel = "TOP,LEFT",
      description = "SDXL: --crop-top-left of the unconditional half (default: --crop-top-left).")
  String negativeCropTopLeft;

  @Option(names = "--negative-target-size", paramLabel = "WxH",
      description = "SDXL: --target-size of the unconditional half (default: --target-size).")
  String negativeTargetSize;

  /** The options as a conditioning; {@link SdxlConditioning#DEFAULT} where none is given. */
  SdxlConditioning conditioning(CommandSpec spec) {
    SdxlConditioning.Builder b = SdxlConditioning.builder();
    if (prompt2 != null) {
      b.prompt2(prompt2);
    }
    if (negativePrompt2 != null) {
      b.negativePrompt2(negativePrompt2);
    }
    try {
      pair(spec, "--original-size", originalSize, SIZE).ifPresent(s -> b.originalSize(s[0], s[1]));
      pair(spec, "--crop-top-left", cropTopLeft, CORNER).ifPresent(c -> b.cropTopLeft(c[0], c[1]));
      pair(spec, "--target-size", targetSize, SIZE).ifPresent(s -> b.targetSize(s[0], s[1]));
      pair(spec, "--negative-original-size", negativeOriginalSize, SIZE)
          .ifPresent(s -> b.negativeOriginalSize(s[0], s[1]));
      pair(spec, "--negative-crop-top-left", negativeCropTopLeft, CORNER)
          .ifPresent(c -> b.negativeCropTopLeft(c[0], c[1]));
      pair(spec, "--negative-target-size", negativeTargetSize, SIZE).ifPresent(s -> b.negativeTargetSize(s[0], s[1]));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    return b.build();
  }

  /** The two numbers of a {@code WxH} size or a {@code TOP,LEFT} corner, if the option was given. */
  private static Optional<int[]> pair(CommandSpec spec, String option, String value, Pattern pattern) {
    if (value == null) {
      return Optional.empty();
    }
    Matcher m = pattern.matcher(value.trim());
    if (!m.matches()) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + " takes " + (pattern == SIZE
          ? "WxH, e.g. 1024x1024" : "TOP,LEFT in pixels, e.g. 0,0") + ", got '" + value + "'");
    }
    return Optional.of(new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
  }
}
