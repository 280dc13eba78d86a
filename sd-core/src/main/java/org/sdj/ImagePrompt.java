package org.sdj;

import java.awt.image.BufferedImage;
import java.util.Objects;

/**
 * What an IP-Adapter ({@link StableDiffusion.Builder#ipAdapter}) shows the model in one request, as diffusers takes
 * {@code ip_adapter_image}: a picture whose content or style the result should follow beside the text prompt, and how
 * much (diffusers' {@code set_ip_adapter_scale}, A1111's ControlNet unit weight).
 *
 * @param image the image prompt, any size: its image encoder's processor resizes its shorter side to the encoder's
 *     input and crops the middle square (CLIP's preprocessing, bicubic)
 * @param scale {@value #DEFAULT_SCALE} as trained, lower to let the text say more (0.5-0.6 is common with text
 *     prompts), at least 0
 */
public record ImagePrompt(BufferedImage image, double scale) {
  public static final double DEFAULT_SCALE = 1.0;

  public ImagePrompt {
    Objects.requireNonNull(image, "image");
  }

  /** {@code image} at full strength. */
  public static ImagePrompt of(BufferedImage image) {
    return new ImagePrompt(image, DEFAULT_SCALE);
  }

  /** Why these values cannot run, if they cannot. */
  String problem() {
    return scale >= 0 && Double.isFinite(scale) ? ""
        : "the IP-Adapter's scale must be a finite number at least 0, got " + scale;
  }
}
