package org.sdj.io.checkpoint;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The published Stable Diffusion architectures that a single-file checkpoint is loaded as when no config folder is
 * given; each ships with sdj as the configs of its reference diffusers repository.
 */
public enum ModelFamily {
  /** SD 1.x (CLIP ViT-L/14 text encoder, 768-wide cross-attention), configured as stable-diffusion-v1-5; epsilon. */
  SD_1("sd1", "sd15"),
  /** SD 2.x 512 base (OpenCLIP ViT-H/14, 1024-wide), configured as stable-diffusion-2-1-base; epsilon prediction. */
  SD_2_BASE("sd2-base", "sd21-base"),
  /** SD 2.x 768-v (OpenCLIP ViT-H/14, 1024-wide), configured as stable-diffusion-2-1; v-prediction. */
  SD_2_V("sd2-v", "sd21"),
  /**
   * SDXL 1.0 base (CLIP ViT-L/14 and OpenCLIP ViT-bigG/14 side by side, 2048-wide, pooled text and size conditioning),
   * configured as stable-diffusion-xl-base-1.0; epsilon.
   */
  SDXL("sdxl", "sdxl-base"),
  /**
   * SDXL 1.0's refiner (OpenCLIP ViT-bigG/14 alone, 1280-wide, pooled text and aesthetic-score conditioning),
   * configured as stable-diffusion-xl-refiner-1.0; epsilon.
   */
  SDXL_REFINER("sdxl-refiner", "sdxl-refiner");

  private final String id;
  private final String resourceFolder;

  ModelFamily(String id, String resourceFolder) {
    this.id = id;
    this.resourceFolder = resourceFolder;
  }

  /**
   * The short name ({@code sd1}, {@code sd2-base}, {@code sd2-v}, {@code sdxl}, {@code sdxl-refiner}) that
   * {@link #parse} reads.
   */
  public String id() {
    return id;
  }

  /** The folder of this family's configs among sdj's resources. */
  String resourceFolder() {
    return resourceFolder;
  }

  /** Whether the family has a {@code text_encoder} and {@code tokenizer} (all but SDXL's refiner). */
  boolean firstTextEncoder() {
    return this != SDXL_REFINER;
  }

  /** Whether the family has SDXL's second text encoder and tokenizer. */
  boolean secondTextEncoder() {
    return this == SDXL || this == SDXL_REFINER;
  }

  /**
   * The text of one of the published config files that ship with sdj for this family, by its path in a diffusers
   * folder: {@code unet/config.json}, {@code vae/config.json}, {@code text_encoder/config.json},
   * {@code scheduler/scheduler_config.json} or {@code tokenizer/tokenizer_config.json}, and for SDXL
   * {@code text_encoder_2/config.json} and {@code tokenizer_2/tokenizer_config.json} (the refiner has those two in
   * place of the first pair, and {@code model_index.json} for its flags).
   *
   * @throws org.sdj.SdjException for any other path
   */
  public String publishedConfig(String file) {
    return PublishedConfigs.text(this, file);
  }

  /**
   * The family of that {@linkplain #id() short name}, case-insensitively.
   *
   * @throws IllegalArgumentException naming the accepted names
   */
  public static ModelFamily parse(String id) {
    String wanted = id.toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(f -> f.id.equals(wanted)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown model family '" + id + "': use one of "
            + Arrays.stream(values()).map(ModelFamily::id).collect(Collectors.joining(", "))));
  }
}
