package org.sdj.examples.cli;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sdj.backend.Backend;
import org.sdj.backend.Backends;
import org.sdj.image.ImageFiles;
import org.sdj.image.Images;
import org.sdj.upscale.ModelUpscaler;
import org.sdj.upscale.UpscaleTiles;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code sdj upscale --model FILE --input IMAGE --output FILE}: a picture enlarged by an ESRGAN upscaler, as
 * AUTOMATIC1111's Extras tab does; prints the output file.
 */
@Command(
    name = "upscale",
    mixinStandardHelpOptions = true,
    description = "Enlarges a picture with an ESRGAN upscaler (Real-ESRGAN, 4x-UltraSharp, ...), tile by tile as"
        + " AUTOMATIC1111 does; prints the output file.")
final class UpscaleCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--model", required = true, paramLabel = "FILE",
      description = "The upscaler: an ESRGAN network, .pth or .safetensors (RealESRGAN_x4plus.pth, 4x-UltraSharp.pth).")
  Path model;

  @Option(names = "--input", required = true, paramLabel = "FILE", description = "The picture (PNG, JPEG, ...).")
  Path input;

  @Option(names = "--output", required = true, paramLabel = "FILE", description = "Where to write it (.png, .jpg).")
  Path output;

  @Option(names = "--scale", paramLabel = "X",
      description = "How much larger: the network runs as often as it takes (three times at most), then Lanczos brings"
          + " each side to (side * X) rounded down to a multiple of 8, as A1111's 'Resize' (default: one pass of the"
          + " network, its own factor).")
  Double scale;

  @Option(names = "--tile", paramLabel = "N",
      description = "The tiles' side in pixels, 0 for the whole picture at once (default: ${DEFAULT-VALUE}, A1111's).")
  int tile = UpscaleTiles.DEFAULT.size();

  @Option(names = "--tile-overlap", paramLabel = "N",
      description = "The tiles' least overlap in pixels (default: ${DEFAULT-VALUE}, A1111's).")
  int tileOverlap = UpscaleTiles.DEFAULT.overlap();

  @Option(names = "--backend", paramLabel = "NAME", description = "auto, cpu, cuda or reference (default: auto).")
  String backend = Backends.AUTO;

  @Override
  public Integer call() {
    UpscaleTiles tiles;
    try {
      tiles = new UpscaleTiles(tile, tile == 0 ? 0 : tileOverlap);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--tile / --tile-overlap: " + e.getMessage());
    }
    if (scale != null && !(scale > 0 && scale <= 8)) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--scale must be in (0, 8], got " + scale);
    }
    ImageFiles.checkWritable(output);
    BufferedImage picture = Images.read(input);
    try (Backend b = Backends.open(backend); ModelUpscaler upscaler = ModelUpscaler.load(model, b)) {
      BufferedImage result;
      try {
        result = scale == null ? upscaler.enlarge(picture, tiles) : upscaler.upscale(picture, scale, tiles);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
      }
      ImageFiles.write(output, result);
    }
    spec.commandLine().getOut().println(output);
    spec.commandLine().getOut().flush();
    return 0;
  }
}
