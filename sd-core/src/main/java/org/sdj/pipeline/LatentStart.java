package org.sdj.pipeline;

/** Where the denoising loop starts: pure noise (txt2img) or a noised image (img2img). */
public sealed interface LatentStart {

  /**
   * txt2img: unit-normal noise, which the loop scales by the scheduler's {@code init_noise_sigma}.
   *
   * @param unitNoise {@code [batch, C, h, w]} flattened
   */
  record Noise(float[] unitNoise) implements LatentStart {}

  /**
   * img2img: the image's latents noised to the level where a fraction {@code strength} of the steps remains, as
   * diffusers' {@code StableDiffusionImg2ImgPipeline} does.
   *
   * @param imageLatents scaled latents of the image {@code [batch, C, h, w]} flattened (already multiplied by
   *     {@code scaling_factor})
   * @param unitNoise noise for {@code add_noise}, same length
   * @param strength in {@code (0, 1]}: 1 ignores the image, small values keep it
   */
  record Image(float[] imageLatents, float[] unitNoise, double strength) implements LatentStart {
    public Image {
      if (imageLatents.length != unitNoise.length) {
        throw new IllegalArgumentException("image latents and noise differ in length");
      }
      if (!(strength > 0 && strength <= 1)) {
        throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
      }
    }
  }
}
