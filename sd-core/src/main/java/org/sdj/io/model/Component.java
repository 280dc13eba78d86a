package org.sdj.io.model;

/** The components of a Stable Diffusion pipeline folder that carry weights. */
public enum Component {
  UNET("unet", "diffusion_pytorch_model", "diffusion_pytorch_model"),
  VAE("vae", "diffusion_pytorch_model", "diffusion_pytorch_model"),
  TEXT_ENCODER("text_encoder", "model", "pytorch_model"),
  /** SDXL's second text encoder ({@code CLIPTextModelWithProjection}); other pipelines have none. */
  TEXT_ENCODER_2("text_encoder_2", "model", "pytorch_model");

  private final String folderName;
  private final String weightsBaseName;
  private final String pickleBaseName;

  Component(String folderName, String weightsBaseName, String pickleBaseName) {
    this.folderName = folderName;
    this.weightsBaseName = weightsBaseName;
    this.pickleBaseName = pickleBaseName;
  }

  /** The component's folder inside the pipeline folder, e.g. {@code text_encoder}. */
  public String folderName() {
    return folderName;
  }

  /** Base of its safetensors file names: {@code diffusion_pytorch_model} (diffusers) or {@code model} (transformers). */
  String weightsBaseName() {
    return weightsBaseName;
  }

  /** Base of its PyTorch pickle file names, which sdj does not read yet. */
  String pickleBaseName() {
    return pickleBaseName;
  }
}
