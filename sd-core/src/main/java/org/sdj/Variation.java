package org.sdj;

/**
 * AUTOMATIC1111's variation seed: the starting noise moved toward another seed's, for pictures close to the seed's
 * picture. Each image's noise is {@code slerp(strength, noise(seed), noise(variation seed))}, as A1111 blends them
 * (spherically, normalized along the latents' height; linearly where the two are nearly parallel).
 *
 * @param seed the other seed (A1111's "Variation seed")
 * @param strength how far toward it, in [0, 1] (A1111's "Variation strength"; 0: the seed's noise, 1: the other's)
 */
public record Variation(long seed, double strength) {
  /** The infotext keys, as AUTOMATIC1111 writes them. */
  public static final String SEED = "Variation seed";
  public static final String STRENGTH = "Variation seed strength";

  /** Why these values cannot run, if they cannot. */
  String problem() {
    return strength >= 0 && strength <= 1 ? "" : "the variation strength must be in [0, 1], got " + strength;
  }

  /**
   * {@code noise} blended with {@code other}, image by image, as A1111's {@code slerp(strength, noise, other)} on each
   * image's {@code [C, H, W]} noise, its norms taken along {@code H}.
   *
   * @param shape {@code [N, C, H, W]}
   */
  float[] blend(float[] noise, float[] other, long[] shape) {
    int images = (int) shape[0];
    int channels = (int) shape[1];
    int height = (int) shape[2];
    int width = (int) shape[3];
    float[] out = new float[noise.length];
    int perImage = channels * height * width;
    for (int n = 0; n < images; n++) {
      // A1111 normalizes dim 1 of [C, H, W] (H) and sums the products over it: one angle per (c, w).
      int base = n * perImage;
      double[] lowSquares = new double[channels * width];
      double[] highSquares = new double[channels * width];
      double[] products = new double[channels * width];
      for (int i = 0; i < perImage; i++) {
        int k = i / (height * width) * width + i % width;
        lowSquares[k] += (double) noise[base + i] * noise[base + i];
        highSquares[k] += (double) other[base + i] * other[base + i];
        products[k] += (double) noise[base + i] * other[base + i];
      }
      double[] omega = new double[products.length];
      double meanDot = 0;
      for (int k = 0; k < products.length; k++) {
        double dot = products[k] / (Math.sqrt(lowSquares[k]) * Math.sqrt(highSquares[k]));
        omega[k] = Math.acos(dot);
        meanDot += dot / products.length;
      }
      for (int i = 0; i < perImage; i++) {
        int k = i / (height * width) * width + i % width;
        double so = Math.sin(omega[k]);
        // A1111's near-parallel fallback keeps its weights as it writes them.
        out[base + i] = (float) (meanDot > 0.9995 ? noise[base + i] * strength + other[base + i] * (1 - strength)
            : Math.sin((1 - strength) * omega[k]) / so * noise[base + i]
                + Math.sin(strength * omega[k]) / so * other[base + i]);
      }
    }
    return out;
  }
}
