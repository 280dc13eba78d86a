package org.sdj.pipeline;

import java.util.Objects;
import org.sdj.model.controlnet.ControlNetModel;

/**
 * A ControlNet's part in one denoising loop, as diffusers' {@code StableDiffusionControlNetPipeline} takes it.
 *
 * @param model the ControlNet, on the loop's backend
 * @param image the control image {@code [1, 3, H, W]} in [0, 1], RGB, at the picture's size, flattened (every batch
 *     row, and both halves of classifier-free guidance, see it)
 * @param scale {@code controlnet_conditioning_scale}: the residuals' weight, at least 0
 * @param guidanceStart {@code control_guidance_start}: the fraction of the steps after which the ControlNet starts
 * @param guidanceEnd {@code control_guidance_end}: the fraction of the steps after which it stops, above the start
 */
public record ControlInput(ControlNetModel model, float[] image, double scale, double guidanceStart,
    double guidanceEnd) {
  public ControlInput {
    Objects.requireNonNull(model, "model");
    image = image.clone();
    checkWindow("ControlNet", scale, guidanceStart, guidanceEnd);
  }

  /** Refuses a scale or window {@code what} (a ControlNet, a T2I-Adapter) cannot run with. */
  static void checkWindow(String what, double scale, double guidanceStart, double guidanceEnd) {
    if (!(scale >= 0 && Double.isFinite(scale))) {
      throw new IllegalArgumentException("the " + what + "'s scale must be a finite number at least 0, got " + scale);
    }
    if (!(guidanceStart >= 0 && guidanceStart < guidanceEnd && guidanceEnd <= 1)) {
      throw new IllegalArgumentException("the " + what + "'s window must satisfy 0 <= start < end <= 1, got "
          + guidanceStart + " to " + guidanceEnd);
    }
  }

  @Override
  public float[] image() {
    return image.clone();
  }

  /**
   * Whether the ControlNet runs at step {@code index} of {@code total}: diffusers' {@code controlnet_keep}, 0 where
   * {@code index / total < start} or {@code (index + 1) / total > end}. A step outside adds zero residuals, so the
   * UNet runs alone.
   */
  boolean activeAt(int index, int total) {
    return inWindow(scale, guidanceStart, guidanceEnd, index, total);
  }

  /**
   * diffusers' {@code controlnet_keep} rule; for a T2I-Adapter's window {@code [0, f)} the same as its
   * {@code i < int(steps * adapter_conditioning_factor)}.
   */
  static boolean inWindow(double scale, double start, double end, int index, int total) {
    return scale > 0 && !((double) index / total < start || (double) (index + 1) / total > end);
  }
}
