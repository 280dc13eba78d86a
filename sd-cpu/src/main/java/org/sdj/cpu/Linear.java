package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/** {@code y = x w^T (+ what y holds: bias and residual)}, with the weight read in its file dtype while packing. */
final class Linear {
  private Linear() {}

  /** {@code x [rows, in]}, {@code w [out, in]} as panels, {@code y [rows, out]} accumulated onto. */
  static void apply(Simd simd, ForkJoinPool pool, float[] x, Panels w, int rows, int in, int out, float[] y) {
    Gemm.multiplyAdd(simd, pool, rows, out, in, Panels.rows(simd, x, 0, in), w, y, 0, out);
  }
}
