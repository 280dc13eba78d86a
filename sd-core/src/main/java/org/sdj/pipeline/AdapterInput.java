package org.sdj.pipeline;

import java.util.Objects;
import org.sdj.model.adapter.T2IAdapter;

/**
 * A T2I-Adapter's part in one denoising loop, as diffusers' {@code StableDiffusionAdapterPipeline} and
 * {@code StableDiffusionXLAdapterPipeline} take it: its feature maps of the control image, times the scale, added
 * inside the UNet's down blocks at the steps of its window.
 *
 * @param model the adapter, on the loop's backend
 * @param image the control image {@code [1, in_channels, H, W]} in [0, 1] at the picture's size, flattened
 * @param scale {@code adapter_conditioning_scale}, at least 0
 * @param guidanceStart the fraction of the steps after which it starts (0 in diffusers)
 * @param guidanceEnd the fraction after which it stops: diffusers' {@code adapter_conditioning_factor}
 */
public record AdapterInput(T2IAdapter model, float[] image, double scale, double guidanceStart,
    double guidanceEnd) {
  public AdapterInput {
    Objects.requireNonNull(model, "model");
    image = image.clone();
    ControlInput.checkWindow("T2I-Adapter", scale, guidanceStart, guidanceEnd);
  }

  @Override
  public float[] image() {
    return image.clone();
  }

  /** Whether it steers step {@code index} of {@code total}, by ControlNets' rule ({@link ControlInput#activeAt}). */
  boolean activeAt(int index, int total) {
    return ControlInput.inWindow(scale, guidanceStart, guidanceEnd, index, total);
  }
}
