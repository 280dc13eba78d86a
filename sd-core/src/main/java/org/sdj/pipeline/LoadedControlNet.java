package org.sdj.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Backend;
import org.sdj.backend.Tensor;
import org.sdj.io.model.ControlNetConfig;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.model.Weights;
import org.sdj.model.controlnet.ControlNetModel;

/**
 * A ControlNet in diffusers' folder layout ({@code config.json} and {@code diffusion_pytorch_model.safetensors},
 * e.g. lllyasviel/sd-controlnet-canny), loaded onto a backend; its weights stay mapped and on the backend until
 * {@link #close()}.
 */
public final class LoadedControlNet implements AutoCloseable {
  private static final String WEIGHTS = "diffusion_pytorch_model";

  private final Path location;
  private final ControlNetModel model;
  private final SafeTensorsFile file;
  private final Weights weights;

  private LoadedControlNet(Path location, ControlNetModel model, SafeTensorsFile file, Weights weights) {
    this.location = location;
    this.model = model;
    this.file = file;
    this.weights = weights;
  }

  /**
   * Loads the ControlNet in {@code folder} onto {@code backend}, its {@code variant} weights
   * ({@code diffusion_pytorch_model.fp16.safetensors}) where it has them.
   *
   * @throws ModelLoadException listing every problem: files missing, config values sdj does not support, weights
   *     missing or misshapen
   */
  public static LoadedControlNet load(Path folder, Optional<String> variant, Backend backend) {
    String context = "Cannot load the ControlNet in " + folder;
    if (!Files.isDirectory(folder)) {
      throw new ModelLoadException(context, List.of(folder + " is not a folder (a diffusers ControlNet folder has"
          + " config.json and " + WEIGHTS + ".safetensors)"));
    }
    ControlNetConfig config = ControlNetConfig.read(folder.resolve("config.json"));
    Path file = variant.map(v -> folder.resolve(WEIGHTS + "." + v + ".safetensors")).filter(Files::isRegularFile)
        .orElse(folder.resolve(WEIGHTS + ".safetensors"));
    if (!Files.isRegularFile(file)) {
      throw new ModelLoadException(context, List.of(WEIGHTS + ".safetensors: file not found"));
    }
    SafeTensorsFile tensors = SafeTensorsFile.open(file);
    Weights weights = Weights.of(backend, tensors);
    try {
      ControlNetModel model = new ControlNetModel(config, weights);
      if (!weights.problems().isEmpty()) {
        throw new ModelLoadException(context, weights.problems());
      }
      return new LoadedControlNet(folder, model, tensors, weights);
    } catch (RuntimeException e) {
      weights.tensors().forEach(Tensor::close);
      tensors.close();
      throw e;
    }
  }

  public ControlNetModel model() {
    return model;
  }

  /** The folder it was loaded from. */
  public Path location() {
    return location;
  }

  /** Frees the weights and unmaps the file. */
  @Override
  public void close() {
    weights.tensors().forEach(Tensor::close);
    file.close();
  }
}
