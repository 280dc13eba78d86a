package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/** Group normalization with optional fused SiLU, one task per (image, group); statistics in double. */
final class GroupNorm {
  private GroupNorm() {}

  /** {@code x [n, channels, spatial]}. */
  static void apply(Simd simd, ForkJoinPool pool, float[] x, int n, int channels, int spatial, int groups,
      float[] gamma, float[] beta, float eps, boolean silu, float[] y) {
    int perGroup = channels / groups;
    Parallel.forEach(pool, n * groups, task -> {
      int g = task % groups;
      int base = task * perGroup * spatial;
      float[] stats = simd.meanAndInvStd(x, base, perGroup * spatial, eps);
      for (int c = 0; c < perGroup; c++) {
        int ch = g * perGroup + c;
        float mean = stats[0];
        float a = stats[1] * gamma[ch];
        float b = beta[ch];
        int from = base + c * spatial;
        simd.normalize(x, from, from + spatial, mean, a, b, silu, y);
      }
    });
  }
}
