package org.sdj.pipeline;

/**
 * One IP-Adapter's image prompt in a denoising loop.
 *
 * @param adapter the IP-Adapter (its image encoder and projection)
 * @param pixels the image as its image processor makes it, {@code [3, S, S]} flattened ({@code S} its
 *     {@linkplain LoadedIpAdapter#imageSize() image size})
 * @param scale how much it steers (diffusers' {@code set_ip_adapter_scale}; 0: not at all)
 */
public record ImagePromptInput(LoadedIpAdapter adapter, float[] pixels, double scale) {
  public ImagePromptInput {
    int size = adapter.imageSize();
    if (pixels.length != 3 * size * size) {
      throw new IllegalArgumentException("an image prompt for " + adapter.name() + " has " + pixels.length
          + " values, not 3 x " + size + " x " + size);
    }
    if (!(scale >= 0 && Double.isFinite(scale))) {
      throw new IllegalArgumentException("an IP-Adapter's scale must be a finite number at least 0, got " + scale);
    }
  }
}
