package org.sdj.io.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.Optional;
import org.sdj.backend.DType;
import org.sdj.io.model.AutoencoderKLConfig;
import org.sdj.io.model.Component;
import org.sdj.io.model.ModelSource;
import org.sdj.io.model.UNet2DConditionConfig;
import org.sdj.io.safetensors.TensorSource;

/**
 * A model with its VAE's weights read from a file of their own, as AUTOMATIC1111's and stable-diffusion.cpp's
 * {@code --vae} and diffusers' {@code AutoencoderKL.from_single_file} take them: {@code .safetensors} or {@code .ckpt}
 * / {@code .pt}, in the original layout or diffusers'. The VAE keeps the model's config, so the file must be a VAE of
 * the same architecture (every Stable Diffusion 1.x / 2.x VAE is).
 */
public final class VaeFile implements ModelSource {
  private final ModelSource model;
  private final Path file;
  private final TensorSource tensors;
  private final TensorSource vae;

  private VaeFile(ModelSource model, Path file, TensorSource tensors, TensorSource vae) {
    this.model = model;
    this.file = file;
    this.tensors = tensors;
    this.vae = vae;
  }

  /**
   * {@code model} with the VAE weights of {@code file}, taking ownership of {@code model}: it is closed with the
   * result, or at once if the file cannot be read.
   *
   * @throws org.sdj.io.model.ModelLoadException listing every VAE weight missing from the file or misshapen
   * @throws org.sdj.SdjException if the file cannot be read
   */
  public static ModelSource replace(ModelSource model, Path file) {
    TensorSource tensors = null;
    try {
      tensors = SingleFileCheckpoint.openTensors(file);
      TensorSource vae = CheckpointMapping.vae(tensors, file, model.vaeConfig());
      return new VaeFile(model, file, tensors, vae);
    } catch (RuntimeException e) {
      if (tensors != null) {
        tensors.close();
      }
      model.close();
      throw e;
    }
  }

  @Override
  public Path location() {
    return model.location();
  }

  /** The VAE file. */
  public Path vaeFile() {
    return file;
  }

  @Override
  public UNet2DConditionConfig unetConfig() {
    return model.unetConfig();
  }

  @Override
  public AutoencoderKLConfig vaeConfig() {
    return model.vaeConfig();
  }

  @Override
  public Optional<TextEncoder> textEncoder() {
    return model.textEncoder();
  }

  @Override
  public Optional<SecondTextEncoder> textEncoder2() {
    return model.textEncoder2();
  }

  @Override
  public TensorSource weights(Component component) {
    return component == Component.VAE ? vae : model.weights(component);
  }

  @Override
  public DType predominantDtype(Component component) {
    return component == Component.VAE ? ModelSource.super.predominantDtype(component)
        : model.predominantDtype(component);
  }


  @Override
  public JsonNode schedulerConfig() {
    return model.schedulerConfig();
  }

  @Override
  public void close() {
    try {
      tensors.close();
    } finally {
      model.close();
    }
  }
}
