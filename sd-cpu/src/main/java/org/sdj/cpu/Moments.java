package org.sdj.cpu;

/** Mean and inverse standard deviation of a run of floats, the statistics both normalizations need. */
final class Moments {
  /** Independent partial sums: one double chain waits 4 cycles per add, eight keep the adders busy. */
  private static final int LANES = 8;

  private Moments() {}

  /**
   * {@code {mean, 1 / sqrt(biased variance + eps)}} of {@code x[from, from + len)}. Two passes in double: one pass
   * with {@code E[x^2] - E[x]^2} loses the variance of activations with a large mean.
   */
  static float[] meanAndInvStd(float[] x, int from, int len, float eps) {
    double[] acc = new double[LANES];
    int end = from + len;
    int i = from;
    for (; i <= end - LANES; i += LANES) {
      for (int l = 0; l < LANES; l++) {
        acc[l] += x[i + l];
      }
    }
    double sum = total(acc);
    for (; i < end; i++) {
      sum += x[i];
    }
    double mean = sum / len;
    java.util.Arrays.fill(acc, 0);
    i = from;
    for (; i <= end - LANES; i += LANES) {
      for (int l = 0; l < LANES; l++) {
        double dev = x[i + l] - mean;
        acc[l] += dev * dev;
      }
    }
    double sq = total(acc);
    for (; i < end; i++) {
      double dev = x[i] - mean;
      sq += dev * dev;
    }
    return new float[] {(float) mean, (float) (1 / Math.sqrt(sq / len + eps))};
  }

  private static double total(double[] acc) {
    double s = 0;
    for (double a : acc) {
      s += a;
    }
    return s;
  }
}
