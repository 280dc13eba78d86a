package org.sdj.io.checkpoint;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to read a single-file checkpoint, which carries weights but no configs.
 *
 * @param configDirectory a diffusers pipeline folder whose configs ({@code unet/}, {@code vae/}, {@code text_encoder/},
 *     {@code scheduler/}) and {@code tokenizer/} describe the checkpoint; its weights, if any, are not read. For
 *     checkpoints that are not one of the published architectures. Empty: the family's published configs
 * @param family the published architecture to load the checkpoint as; empty: detected from the tensor names and
 *     shapes (an SD 2.x checkpoint is taken as 768-v, as diffusers does: give {@link ModelFamily#SD_2_BASE} for a 512
 *     base model)
 */
public record CheckpointOptions(Optional<Path> configDirectory, Optional<ModelFamily> family) {

  public CheckpointOptions {
    Objects.requireNonNull(configDirectory, "configDirectory");
    Objects.requireNonNull(family, "family");
    if (configDirectory.isPresent() && family.isPresent()) {
      throw new IllegalArgumentException("give a config folder or a model family, not both: the config folder "
          + configDirectory.get() + " already says what the model is");
    }
  }

  /** Detect the family, use its published configs. */
  public static CheckpointOptions defaults() {
    return new CheckpointOptions(Optional.empty(), Optional.empty());
  }

  /** These options with the configs and tokenizer of the diffusers folder {@code directory}. */
  public CheckpointOptions withConfig(Path directory) {
    return new CheckpointOptions(Optional.of(directory), family);
  }

  /** These options with the family given rather than detected. */
  public CheckpointOptions withFamily(ModelFamily family) {
    return new CheckpointOptions(configDirectory, Optional.of(family));
  }
}
