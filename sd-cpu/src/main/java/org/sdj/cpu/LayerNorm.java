package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/** Layer normalization over rows of width {@code d}, in parallel over row chunks; statistics in double. */
final class LayerNorm {
  private LayerNorm() {}

  static void apply(Simd simd, ForkJoinPool pool, float[] x, int d, float[] gamma, float[] beta, float eps, float[] y) {
    int rows = d == 0 ? 0 : x.length / d;
    Parallel.forChunks(pool, rows, Math.max(1, 16384 / Math.max(1, d)), (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int base = r * d;
        float[] stats = simd.meanAndInvStd(x, base, d, eps);
        simd.normalizeRow(x, base, d, stats[0], stats[1], gamma, beta, y);
      }
    });
  }
}
