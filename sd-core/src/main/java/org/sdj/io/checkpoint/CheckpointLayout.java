package org.sdj.io.checkpoint;

/**
 * Name prefixes of the original (CompVis / AUTOMATIC1111) single-file layout, where one state dict holds the whole
 * latent diffusion model.
 */
final class CheckpointLayout {
  /** The UNet. */
  static final String UNET = "model.diffusion_model.";
  /** EMA copies of the UNet weights, with the dots of the name after {@code model.} removed. */
  static final String EMA = "model_ema.";
  /** The VAE; some converted files use {@link #VAE_ALT}. */
  static final String VAE = "first_stage_model.";
  static final String VAE_ALT = "vae.";
  /** SD 1.x: a transformers {@code CLIPTextModel}, with or without its inner {@code text_model.}. */
  static final String CLIP = "cond_stage_model.transformer.";
  /** SD 2.x: an OpenCLIP text tower. */
  static final String OPEN_CLIP = "cond_stage_model.model.";
  /** SDXL's first text encoder: a transformers {@code CLIPTextModel}, as SD 1.x's. */
  static final String SDXL_CLIP = "conditioner.embedders.0.transformer.";
  /** SDXL's second text encoder: an OpenCLIP text tower with its projection, as SD 2.x's. */
  static final String SDXL_OPEN_CLIP = "conditioner.embedders.1.model.";
  /** SDXL refiner's only text encoder: OpenCLIP bigG, as the base's second. */
  static final String SDXL_REFINER_OPEN_CLIP = "conditioner.embedders.0.model.";

  private CheckpointLayout() {}

  /** The EMA copy of UNet weight {@code unetKey}: {@code model.diffusion_model.a.0.b} becomes {@code model_ema.diffusion_modela0b}. */
  static String emaTwin(String unetKey) {
    return EMA + unetKey.substring("model.".length()).replace(".", "");
  }
}
