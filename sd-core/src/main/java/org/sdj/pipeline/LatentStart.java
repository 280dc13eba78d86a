package org.sdj.pipeline;

import java.util.OptionalInt;

/**
 * Where the denoising loop starts: pure noise (txt2img), a noised image (img2img), a masked one (inpainting), or the
 * latents another loop stopped with (SDXL's refiner taking over from the base).
 */
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
   * @param stepsRun how many of the schedule's last steps the loop runs; empty for diffusers' {@code int(steps *
   *     strength)} (AUTOMATIC1111 runs one more, and its hires fix its own count: {@link Img2ImgSteps})
   */
  record Image(float[] imageLatents, float[] unitNoise, double strength, OptionalInt stepsRun)
      implements LatentStart {
    /** An img2img start that runs diffusers' {@code int(steps * strength)} steps. */
    public Image(float[] imageLatents, float[] unitNoise, double strength) {
      this(imageLatents, unitNoise, strength, OptionalInt.empty());
    }

    public Image {
      if (imageLatents.length != unitNoise.length) {
        throw new IllegalArgumentException("image latents and noise differ in length");
      }
      if (!(strength > 0 && strength <= 1)) {
        throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
      }
    }
  }

  /**
   * The still noisy latents of a loop that stopped at {@link DenoiseSpec#denoisingEnd()} = {@code denoisingStart},
   * denoised from there on as they are (no new noise), as diffusers' SDXL pipelines take {@code denoising_start}: the
   * loop runs the timesteps below {@code (1 - denoisingStart) * num_train_timesteps}.
   *
   * @param latents {@code [batch, C, h, w]} flattened
   * @param denoisingStart in (0, 1)
   */
  record Partial(float[] latents, double denoisingStart) implements LatentStart {
    public Partial {
      if (!(denoisingStart > 0 && denoisingStart < 1)) {
        throw new IllegalArgumentException("denoising start must be in (0, 1), got " + denoisingStart);
      }
    }
  }

  /**
   * Inpainting, as diffusers' {@code StableDiffusionInpaintPipeline}: the loop starts from pure noise at strength 1,
   * else from the image's latents noised as img2img's; a UNet that takes the mask and the masked image's latents
   * (9 input channels) gets them beside the latents at every step, and any other has the image's latents, noised to
   * the next step's level, put back outside the mask after every step.
   *
   * @param imageLatents scaled latents of the image {@code [batch, C, h, w]} flattened; empty where the loop needs
   *     none (a 9-channel UNet at strength 1)
   * @param unitNoise the starting noise {@code [batch, C, h, w]} flattened
   * @param strength in {@code (0, 1]}, as img2img's
   * @param mask {@code [batch, 1, h, w]} flattened: 1 where the loop repaints, 0 where it keeps the image
   * @param maskedImageLatents scaled latents of the image blacked out under the mask {@code [batch, C, h, w]}
   *     flattened, for a 9-channel UNet; empty for any other
   * @param stepsRun as {@link Image#stepsRun()}
   */
  record Inpaint(float[] imageLatents, float[] unitNoise, double strength, float[] mask, float[] maskedImageLatents,
      OptionalInt stepsRun) implements LatentStart {
    /** An inpainting start that runs diffusers' {@code int(steps * strength)} steps. */
    public Inpaint(float[] imageLatents, float[] unitNoise, double strength, float[] mask,
        float[] maskedImageLatents) {
      this(imageLatents, unitNoise, strength, mask, maskedImageLatents, OptionalInt.empty());
    }

    public Inpaint {
      int channels = mask.length == 0 ? 0 : unitNoise.length / mask.length;
      if (mask.length == 0 || channels * mask.length != unitNoise.length) {
        throw new IllegalArgumentException("the mask has " + mask.length + " values, the noise " + unitNoise.length
            + ": the mask needs one per latent pixel");
      }
      if (imageLatents.length != 0 && imageLatents.length != unitNoise.length
          || maskedImageLatents.length != 0 && maskedImageLatents.length != unitNoise.length) {
        throw new IllegalArgumentException("image latents, masked image latents and noise differ in length");
      }
      if (!(strength > 0 && strength <= 1)) {
        throw new IllegalArgumentException("strength must be in (0, 1], got " + strength);
      }
      if (strength < 1 && imageLatents.length == 0) {
        throw new IllegalArgumentException("a strength under 1 starts from the image: its latents are needed");
      }
      if (maskedImageLatents.length == 0 && imageLatents.length == 0) {
        throw new IllegalArgumentException("without the masked image's latents the loop blends the image's back in:"
            + " its latents are needed");
      }
    }

    /** Whether the UNet takes the mask and the masked image's latents as input channels. */
    public boolean conditioned() {
      return maskedImageLatents.length != 0;
    }
  }
}
