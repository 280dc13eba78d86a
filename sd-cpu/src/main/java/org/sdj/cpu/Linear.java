package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/** {@code y = x w^T (+ what y holds: bias and residual)}, with the weight read in its file dtype while packing. */
final class Linear {
  private Linear() {}

  /**
   * {@code x [rows, in]}, {@code w [out, in]} as panels, {@code y [rows, out]} accumulated onto if {@code add}, else
   * overwritten (then what {@code y} held is never read).
   */
  static void apply(Simd simd, ForkJoinPool pool, float[] x, Panels w, int rows, int in, int out, float[] y,
      boolean add) {
    Panels a = Panels.rows(simd, x, 0, in);
    if (add) {
      Gemm.multiplyAdd(simd, pool, rows, out, in, a, w, y, 0, out);
    } else {
      Gemm.multiply(simd, pool, rows, out, in, a, w, y, 0, out);
    }
  }
}
