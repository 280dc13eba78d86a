package org.sdj.io.model;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A folder that holds one diffusers model at its root ({@code config.json} and {@code
 * diffusion_pytorch_model.safetensors}): a ControlNet, a T2I-Adapter, TAESD.
 */
public final class ModelFolder {
  /** The weights file's name without its variant and extension. */
  public static final String WEIGHTS = "diffusion_pytorch_model";

  private ModelFolder() {}

  /**
   * The folder's weights file: {@code variant}'s ({@code diffusion_pytorch_model.fp16.safetensors}) where it has
   * one, else the plain one.
   *
   * @throws ModelLoadException under {@code context} where neither is there
   */
  public static Path weights(Path folder, Optional<String> variant, String context) {
    Path file = variant.map(v -> folder.resolve(WEIGHTS + "." + v + ".safetensors")).filter(Files::isRegularFile)
        .orElse(folder.resolve(WEIGHTS + ".safetensors"));
    if (!Files.isRegularFile(file)) {
      throw new ModelLoadException(context, List.of(WEIGHTS + ".safetensors: file not found"));
    }
    return file;
  }
}
