package org.sdj.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;
import org.sdj.backend.Backend;
import org.sdj.io.checkpoint.ModelFamily;
import org.sdj.model.Weights;
import org.sdj.pipeline.RandomModelFolder;

/**
 * SD 1.5's models (or another published family's) from their published configs with seeded random weights on a
 * backend, for the GPU benchmarks.
 */
final class RandomSd15 {
  private RandomSd15() {}

  /** SD 1.5's config {@code file} (e.g. {@code "unet/config.json"}), read by {@code reader}. */
  static <C> C config(String file, ConfigReader<C> reader) throws IOException {
    return config(ModelFamily.SD_1, file, reader);
  }

  /** {@code family}'s published config {@code file}, read by {@code reader}. */
  static <C> C config(ModelFamily family, String file, ConfigReader<C> reader) throws IOException {
    Path path = Files.createTempFile(family.id(), ".json");
    try {
      Files.writeString(path, family.publishedConfig(file));
      return reader.read(path);
    } finally {
      Files.delete(path);
    }
  }

  /** The model {@code build} makes, on {@code backend}, with the weights of seed 15 (those unet_step.py draws too). */
  static <M> M model(Backend backend, Function<Weights, M> build) {
    try (Arena host = Arena.ofShared()) {
      Weights w = RandomModelFolder.inMemory(backend, host, 15, build);
      M model = build.apply(w);
      if (!w.problems().isEmpty()) {
        throw new IllegalStateException("weights: " + w.problems());
      }
      return model;
    }
  }

  /** How many of {@code values} are NaN or infinite. */
  static int nonFinite(float[] values) {
    int bad = 0;
    for (float v : values) {
      bad += Float.isFinite(v) ? 0 : 1;
    }
    return bad;
  }

  /** A config file's reader (the config records' {@code read}). */
  @FunctionalInterface
  interface ConfigReader<C> {
    C read(Path path) throws IOException;
  }
}
