package org.sdj.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.sdj.backend.Backend;
import org.sdj.io.checkpoint.T2IAdapterFile;
import org.sdj.io.model.ModelFolder;
import org.sdj.io.model.ModelLoadException;
import org.sdj.io.model.ModelSource;
import org.sdj.io.model.T2IAdapterConfig;
import org.sdj.io.safetensors.SafeTensorsFile;
import org.sdj.io.safetensors.TensorSource;
import org.sdj.model.Weights;
import org.sdj.model.adapter.T2IAdapter;

/**
 * A T2I-Adapter loaded onto a backend from a diffusers folder ({@code config.json} and
 * {@code diffusion_pytorch_model.safetensors}, e.g. TencentARC/t2iadapter_canny_sd15v2 or
 * TencentARC/t2i-adapter-canny-sdxl-1.0) or from one file in TencentARC's original layout
 * ({@code t2iadapter_canny_sd15v2.pth}, {@link T2IAdapterFile}). Its weights stay mapped and on the backend until
 * {@link #close()}.
 */
public final class LoadedT2IAdapter implements AutoCloseable {

  private final Path location;
  private final T2IAdapter model;
  private final HeldWeights weights;

  private LoadedT2IAdapter(Path location, HeldWeights.Built<T2IAdapter> built) {
    this.location = location;
    this.model = built.model();
    this.weights = built.weights();
  }

  /**
   * Loads the adapter in the folder {@code location} onto {@code backend}, its {@code variant} weights
   * ({@code diffusion_pytorch_model.fp16.safetensors}) where it has them.
   *
   * @throws ModelLoadException listing every problem: files missing, config values sdj does not support, weights
   *     missing or misshapen
   */
  public static LoadedT2IAdapter load(Path location, Optional<String> variant, Backend backend) {
    String context = "Cannot load the T2I-Adapter in " + location;
    if (Files.isRegularFile(location)) {
      T2IAdapterFile.Opened opened = T2IAdapterFile.open(location);
      return build(location, opened.config(), opened.weights(), opened.file(), backend, context);
    }
    if (!Files.isDirectory(location)) {
      throw new ModelLoadException(context, List.of(location + " is not a folder (give a diffusers T2I-Adapter"
          + " folder, with config.json and " + ModelFolder.WEIGHTS + ".safetensors)"));
    }
    T2IAdapterConfig config = T2IAdapterConfig.read(location.resolve("config.json"));
    SafeTensorsFile file = SafeTensorsFile.open(ModelFolder.weights(location, variant, context));
    return build(location, config, file, file, backend, context);
  }

  /** The adapter of {@code config} on {@code tensors} (views of {@code file}, which it closes on failure). */
  private static LoadedT2IAdapter build(Path location, T2IAdapterConfig config, TensorSource tensors,
      TensorSource file, Backend backend, String context) {
    return new LoadedT2IAdapter(location, HeldWeights.build(Weights.of(backend, tensors), file,
        w -> new T2IAdapter(config, w), context, false));
  }

  /**
   * Whether {@code location} holds a T2I-Adapter: a folder whose {@code config.json} names one (diffusers'
   * {@code _class_name}), or a file in TencentARC's original layout.
   */
  public static boolean isAdapter(Path location) {
    return Files.isRegularFile(location) ? T2IAdapterFile.isAdapterFile(location) : isAdapterFolder(location);
  }

  private static boolean isAdapterFolder(Path folder) {
    Path config = folder.resolve("config.json");
    try {
      return Files.isRegularFile(config)
          && new ObjectMapper().readTree(config.toFile()).path("_class_name").asText().equals("T2IAdapter");
    } catch (IOException e) {
      // Not JSON: whatever loads the folder says what is wrong with it.
      return false;
    }
  }

  public T2IAdapter model() {
    return model;
  }

  /** Its name, as A1111 names models: the folder's name. */
  public String name() {
    return ModelSource.nameOf(location);
  }

  public Path location() {
    return location;
  }

  /** Frees the weights and unmaps the file. */
  @Override
  public void close() {
    weights.close();
  }
}
