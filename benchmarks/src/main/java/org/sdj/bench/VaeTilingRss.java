package org.sdj.bench;

import java.nio.file.Path;
import java.util.SplittableRandom;
import org.sdj.backend.Backend;
import org.sdj.backend.Backends;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.PipelineComponents;
import org.sdj.pipeline.StableDiffusionPipeline;

/**
 * The memory check of VAE tiling: {@code DIR SIZE tiled|whole} decodes SIZE x SIZE pixels' worth of random latents
 * with the VAE of the SD 1.5-size model folder that {@code Txt2ImgRss write DIR} wrote, on sdj's CPU backend, with
 * or without tiling, one mode per process so that {@code /usr/bin/time -v} (or the printed peak RSS) measures it alone.
 */
public final class VaeTilingRss {
  private VaeTilingRss() {}

  public static void main(String[] args) {
    if (args.length != 3 || !(args[2].equals("tiled") || args[2].equals("whole"))) {
      System.err.println("usage: VaeTilingRss DIR SIZE tiled|whole");
      System.exit(2);
    }
    int size = Integer.parseInt(args[1]);
    long[] shape = {1, 4, size / 8, size / 8};
    float[] latents = new float[Math.toIntExact(shape[1] * shape[2] * shape[3])];
    SplittableRandom random = new SplittableRandom(1);
    for (int i = 0; i < latents.length; i++) {
      latents[i] = (float) random.nextGaussian();
    }
    try (Backend backend = Backends.open("cpu");
        PipelineComponents model = PipelineComponents.load(Path.of(args[0]), LoadOptions.defaults(), backend)) {
      long t0 = System.nanoTime();
      float[] image = new StableDiffusionPipeline(model, backend, args[2].equals("tiled")).decode(latents, shape);
      System.out.printf("%s decode of %dx%d: %.1f s, %d values, peak RSS %.2f GB%n", args[2], size, size,
          (System.nanoTime() - t0) / 1e9, image.length, Machine.peakRss() / 1e9);
    }
  }
}
