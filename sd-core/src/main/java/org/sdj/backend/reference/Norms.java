package org.sdj.backend.reference;

import org.sdj.backend.ActivationMath;

/** Group and layer normalization: biased variance, {@code eps} inside the square root, statistics in double. */
final class Norms {
  private Norms() {}

  /** {@code x [n, channels, spatial]}, statistics over each group's {@code channels/groups * spatial} elements. */
  static void groupNorm(float[] x, int n, int channels, int spatial, int groups, float[] gamma, float[] beta,
      float eps, boolean silu, float[] y) {
    int perGroup = channels / groups;
    int len = perGroup * spatial;
    for (int b = 0; b < n; b++) {
      for (int g = 0; g < groups; g++) {
        int base = (b * channels + g * perGroup) * spatial;
        double[] stats = meanAndInvStd(x, base, len, eps);
        for (int c = 0; c < perGroup; c++) {
          int ch = g * perGroup + c;
          for (int s = 0; s < spatial; s++) {
            int i = base + c * spatial + s;
            double v = (x[i] - stats[0]) * stats[1] * gamma[ch] + beta[ch];
            y[i] = (float) (silu ? v * ActivationMath.sigmoid(v) : v);
          }
        }
      }
    }
  }

  /** Normalizes each row of width {@code d}. */
  static void layerNorm(float[] x, int d, float[] gamma, float[] beta, float eps, float[] y) {
    for (int base = 0; base + d <= x.length && d > 0; base += d) {
      double[] stats = meanAndInvStd(x, base, d, eps);
      for (int i = 0; i < d; i++) {
        y[base + i] = (float) ((x[base + i] - stats[0]) * stats[1] * gamma[i] + beta[i]);
      }
    }
  }

  /** {@code {mean, 1 / sqrt(biased variance + eps)}} of {@code x[from, from + len)}, in two passes. */
  private static double[] meanAndInvStd(float[] x, int from, int len, float eps) {
    double sum = 0;
    for (int i = from; i < from + len; i++) {
      sum += x[i];
    }
    double mean = sum / len;
    double sq = 0;
    for (int i = from; i < from + len; i++) {
      double dev = x[i] - mean;
      sq += dev * dev;
    }
    return new double[] {mean, 1 / Math.sqrt(sq / len + eps)};
  }
}
