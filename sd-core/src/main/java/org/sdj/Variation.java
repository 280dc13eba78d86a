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
      double[] dot = new double[channels * width];
      double[] lowNorm = new double[channels * width];
      double[] highNorm = new double[channels * width];
      for (int c = 0; c < channels; c++) {
        for (int h = 0; h < height; h++) {
          for (int w = 0; w < width; w++) {
            int i = base + (c * height + h) * width + w;
            int k = c * width + w;
            lowNorm[k] += (double) noise[i] * noise[i];
            highNorm[k] += (double) other[i] * other[i];
          }
        }
      }
      double meanDot = 0;
      for (int k = 0; k < dot.length; k++) {
        lowNorm[k] = Math.sqrt(lowNorm[k]);
        highNorm[k] = Math.sqrt(highNorm[k]);
      }
      for (int c = 0; c < channels; c++) {
        for (int h = 0; h < height; h++) {
          for (int w = 0; w < width; w++) {
            int i = base + (c * height + h) * width + w;
            int k = c * width + w;
            dot[k] += (noise[i] / lowNorm[k]) * (other[i] / highNorm[k]);
          }
        }
      }
      for (double d : dot) {
        meanDot += d / dot.length;
      }
      for (int c = 0; c < channels; c++) {
        for (int h = 0; h < height; h++) {
          for (int w = 0; w < width; w++) {
            int i = base + (c * height + h) * width + w;
            int k = c * width + w;
            if (meanDot > 0.9995) {
              // A1111's near-parallel fallback, its weights as it writes them.
              out[i] = (float) (noise[i] * strength + other[i] * (1 - strength));
            } else {
              double omega = Math.acos(dot[k]);
              double so = Math.sin(omega);
              out[i] = (float) (Math.sin((1 - strength) * omega) / so * noise[i]
                  + Math.sin(strength * omega) / so * other[i]);
            }
          }
        }
      }
    }
    return out;
  }
}
