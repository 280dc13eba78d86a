package org.sdj.cpu;

/** Mean and inverse standard deviation of a run of floats, the statistics both normalizations need. */
final class Moments {
  private Moments() {}

  /**
   * {@code {mean, 1 / sqrt(biased variance + eps)}} of {@code x[from, from + len)}. Two passes in double: one pass
   * with {@code E[x^2] - E[x]^2} loses the variance of activations with a large mean.
   */
  static float[] meanAndInvStd(float[] x, int from, int len, float eps) {
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
    return new float[] {(float) mean, (float) (1 / Math.sqrt(sq / len + eps))};
  }
}
