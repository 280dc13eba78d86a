package org.sdj.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Backend;
import org.sdj.io.checkpoint.ControlNetFile;
import org.sdj.io.model.ControlNetConfig;
import org.sdj.io.model.ModelFolder;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.model.ModelSource;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.controlnet.ControlNetModel;

/**
 * A ControlNet loaded onto a backend: a diffusers folder ({@code config.json} and
 * {@code diffusion_pytorch_model.safetensors}, e.g. lllyasviel/sd-controlnet-canny) or one file in the original layout
 * ({@code control_v11p_sd15_canny.pth}, {@link ControlNetFile}). Its weights stay mapped and on the backend until
 * {@link #close()}.
 */
public final class LoadedControlNet implements AutoCloseable {

  private final Path location;
  private final ControlNetModel model;
  private final HeldWeights weights;

  private LoadedControlNet(Path location, HeldWeights.Built<ControlNetModel> built) {
    this.location = location;
    this.model = built.model();
    this.weights = built.weights();
  }

  /**
   * Loads the ControlNet at {@code location} onto {@code backend}: from a folder its {@code variant} weights
   * ({@code diffusion_pytorch_model.fp16.safetensors}) where it has them; a single file as made for a UNet of
   * {@code unet}, whose config it copies.
   *
   * @throws ModelLoadException listing every problem: files missing, config values sdj does not support, weights
   *     missing or misshapen
   */
  public static LoadedControlNet load(Path location, Optional<String> variant, UNet2DConditionConfig unet,
      Backend backend) {
    if (Files.isRegularFile(location)) {
      ControlNetFile.Opened opened = ControlNetFile.open(location, unet);
      return load(location, opened.config(), opened.weights(), opened, backend);
    }
    String context = "Cannot load the ControlNet in " + location;
    if (!Files.isDirectory(location)) {
      throw new ModelLoadException(context, List.of(location + " does not exist (give a diffusers ControlNet folder,"
          + " with config.json and " + ModelFolder.WEIGHTS + ".safetensors, or a ControlNet file)"));
    }
    ControlNetConfig config = ControlNetConfig.read(location.resolve("config.json"));
    SafeTensorsFile tensors = SafeTensorsFile.open(ModelFolder.weights(location, variant, context));
    return load(location, config, tensors, tensors, backend);
  }

  private static LoadedControlNet load(Path location, ControlNetConfig config, TensorSource tensors,
      AutoCloseable file, Backend backend) {
    return new LoadedControlNet(location, HeldWeights.build(Weights.of(backend, tensors), file,
        w -> new ControlNetModel(config, w), "Cannot load the ControlNet " + location, false));
  }

  public ControlNetModel model() {
    return model;
  }

  /** Its name, as A1111 names models: the folder's name, or the file's without its extension. */
  public String name() {
    return ModelSource.nameOf(location);
  }

  /** The folder or file it was loaded from. */
  public Path location() {
    return location;
  }

  /** Frees the weights and unmaps the file. */
  @Override
  public void close() {
    weights.close();
  }
}
