package org.sdj.bench;

import java.io.IOException;
import java.nio.file.Path;
import org.sdj.backend.DType;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.pipeline.RandomModelFolder;
import org.sdj.model.Weights;

/**
 * A Stable Diffusion 1.5-size model folder with seeded random weights: the published configs of SD 1.5's UNet, VAE
 * and CLIP ViT-L/14 text encoder (those sdj ships, {@link ModelFamily#publishedConfig}), and a state dict of the shapes
 * they imply ({@link Weights#recording}), in a file dtype of choice. Same architecture and cost as the real model;
 * its images are noise.
 */
public final class Sd15 {
  private static final long SEED = 15;
  private static final String DESCRIPTION = "benchmark model: SD 1.5 architecture, seeded random weights";

  private Sd15() {}

  /** The cached folder under {@code java.io.tmpdir}, written on first use (about 2 GB in F16). */
  public static Path cached(DType dtype) throws IOException {
    Path dir = Path.of(System.getProperty("java.io.tmpdir"), "sdj-bench", "sd15-random-" + dtype.name().toLowerCase());
    return RandomModelFolder.cached(dir, RandomModelFolder.Configs.published(ModelFamily.SD_1), dtype, SEED,
        DESCRIPTION);
  }

  /** Writes the whole model folder into the empty folder {@code dir}. */
  public static void write(Path dir, DType dtype) throws IOException {
    RandomModelFolder.write(dir, RandomModelFolder.Configs.published(ModelFamily.SD_1), dtype, SEED, DESCRIPTION);
  }
}
