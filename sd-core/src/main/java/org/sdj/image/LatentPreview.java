package org.sdj.image;

import java.awt.image.BufferedImage;
import java.util.Arrays;

/**
 * A cheap preview of Stable Diffusion 1.x latents without the VAE: each latent pixel's 4 channels are mapped linearly
 * to RGB with the widely used approximation factors (ComfyUI's {@code latent_formats.SD15.latent_rgb_factors}), then
 * {@code (v + 1) / 2} is clamped to [0, 1] and scaled to 8 bits. Colours and shapes are roughly right; details are not.
 * A 64x64 latent costs a few microseconds. NaN values show as black (the real decode rejects them).
 */
public final class LatentPreview {
  /** The largest nearest-neighbour upscale factor: 8 gives the size the VAE would decode to. */
  public static final int MAX_UPSCALE = 16;

  // Rows: latent channels 0..3; columns: R, G, B. Applies to latents as the UNet sees them (scaled by 0.18215).
  private static final float[][] SD15_FACTORS = {
      {0.3512f, 0.2297f, 0.3227f},
      {0.3250f, 0.4974f, 0.2350f},
      {-0.2829f, 0.1762f, 0.2721f},
      {-0.2120f, -0.2616f, -0.7177f},
  };
  private static final int CHANNELS = 4;

  private LatentPreview() {}

  /** The preview of latent {@code index} at latent size ({@code w x h}). */
  public static BufferedImage preview(float[] latents, long[] shape, int index) {
    return preview(latents, shape, index, 1);
  }

  /**
   * The preview of latent {@code index}, each latent pixel drawn as an {@code upscale x upscale} block.
   *
   * @param latents {@code [N, 4, h, w]}
   * @param shape {@code [N, 4, h, w]}
   * @param index which of the N latents, from 0
   * @param upscale 1 for {@code w x h}, 8 for the decoded picture's size, at most {@link #MAX_UPSCALE}
   * @return a {@code TYPE_INT_RGB} image of {@code (w * upscale) x (h * upscale)}
   * @throws IllegalArgumentException for a shape that is not {@code [N, 4, h, w]} or does not match the array, an
   *     index outside 0..N-1, or an upscale outside 1..{@value #MAX_UPSCALE}
   */
  public static BufferedImage preview(float[] latents, long[] shape, int index, int upscale) {
    check(latents, shape, index, upscale);
    int h = (int) shape[2];
    int w = (int) shape[3];
    int plane = h * w;
    int base = index * CHANNELS * plane;
    int[] small = new int[plane];
    for (int p = 0; p < plane; p++) {
      float c0 = latents[base + p];
      float c1 = latents[base + plane + p];
      float c2 = latents[base + 2 * plane + p];
      float c3 = latents[base + 3 * plane + p];
      int rgb = 0;
      for (int k = 0; k < 3; k++) {
        float v = c0 * SD15_FACTORS[0][k] + c1 * SD15_FACTORS[1][k] + c2 * SD15_FACTORS[2][k]
            + c3 * SD15_FACTORS[3][k];
        rgb = rgb << 8 | toByte(v);
      }
      small[p] = rgb;
    }
    return upscale == 1 ? Pixels.image(small, w, h) : Pixels.image(nearest(small, w, h, upscale), w * upscale,
        h * upscale);
  }

  private static int toByte(float v) {
    float unit = Math.clamp((v + 1f) * 0.5f, 0f, 1f); // NaN stays NaN and casts to 0
    return (int) (unit * 255f + 0.5f);
  }

  private static int[] nearest(int[] small, int w, int h, int factor) {
    int bigW = w * factor;
    int[] big = new int[bigW * h * factor];
    for (int y = 0; y < h; y++) {
      int row = y * factor * bigW;
      for (int x = 0; x < w; x++) {
        Arrays.fill(big, row + x * factor, row + (x + 1) * factor, small[y * w + x]);
      }
      for (int r = 1; r < factor; r++) {
        System.arraycopy(big, row, big, row + r * bigW, bigW);
      }
    }
    return big;
  }

  private static void check(float[] latents, long[] shape, int index, int upscale) {
    NchwShape.check("latents", latents, shape, CHANNELS);
    if (index < 0 || index >= shape[0]) {
      throw new IllegalArgumentException("latent index " + index + " is outside 0.." + (shape[0] - 1));
    }
    if (upscale < 1 || upscale > MAX_UPSCALE) {
      throw new IllegalArgumentException("upscale must be in 1.." + MAX_UPSCALE + ", got " + upscale);
    }
  }
}
