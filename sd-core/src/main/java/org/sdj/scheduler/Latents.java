package org.sdj.scheduler;

import org.sdj.SdjException;

/** Element-wise float32 arithmetic on flattened latents, rounding like torch's float32 tensor operations. */
final class Latents {
  private Latents() {}

  static void checkSameLength(float[] sample, float[] other, String what) {
    if (sample.length != other.length) {
      throw new SdjException(what + " has " + other.length + " elements but the sample has " + sample.length
          + ": both must have the latent's shape");
    }
  }

  /** {@code a * x + b * y}. */
  static float[] combine(float a, float[] x, float b, float[] y) {
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = a * x[i] + b * y[i];
    }
    return out;
  }

  /** {@code x * a}. */
  static float[] scale(float[] x, float a) {
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = x[i] * a;
    }
    return out;
  }

  /** {@code x + y * a}. */
  static float[] addScaled(float[] x, float[] y, float a) {
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = x[i] + y[i] * a;
    }
    return out;
  }

  static float[] clamp(float[] x, float range) {
    float[] out = new float[x.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = Math.clamp(x[i], -range, range);
    }
    return out;
  }

  /** Draws noise of the sample's length and checks the source kept its word. */
  static float[] noise(NoiseSource source, int count) {
    float[] noise = source.next(count);
    if (noise == null || noise.length != count) {
      throw new SdjException("NoiseSource returned " + (noise == null ? "null" : noise.length + " values")
          + " where " + count + " were asked for");
    }
    return noise;
  }
}
