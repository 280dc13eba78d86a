package org.sdj.pipeline;

/** Inpainting's per-pixel blend of two latents under a latent mask, shared by every channel of a picture. */
public final class LatentMask {
  private LatentMask() {}

  /**
   * {@code (1 - m) * outside + m * inside}, element by element, {@code m} the mask at the element's picture and pixel.
   *
   * @param outside {@code [N, C, h, w]} flattened: what stays where the mask is 0
   * @param inside the same shape: what goes where the mask is 1
   * @param mask {@code [N, 1, h, w]} flattened, in [0, 1]
   * @param shape {@code [N, C, h, w]}
   * @return a new array
   */
  public static float[] blend(float[] outside, float[] inside, float[] mask, long[] shape) {
    int pixels = Math.toIntExact(shape[2] * shape[3]);
    int channels = Math.toIntExact(shape[1]);
    float[] out = new float[outside.length];
    for (int i = 0; i < out.length; i++) {
      float m = mask[i / (channels * pixels) * pixels + i % pixels];
      out[i] = (1 - m) * outside[i] + m * inside[i];
    }
    return out;
  }
}
