package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.sdj.cpu.Gemm.Matrix;

/** {@code y = x w^T + bias + residual}: the weight is transposed per call so that the GEMM streams its rows. */
final class Linear {
  private Linear() {}

  /** {@code x [rows, in]}, {@code w [out, in]}, {@code bias [out]}, {@code residual [rows, out]} into {@code y}. */
  static void apply(ForkJoinPool pool, float[] x, float[] w, float[] bias, float[] residual, int rows, int in,
      int out, float[] y) {
    // The epilogue comes first: y starts as bias + residual and the product accumulates onto it.
    Parallel.forChunks(pool, rows, 64, (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        for (int o = 0; o < out; o++) {
          y[r * out + o] = (bias == null ? 0 : bias[o]) + (residual == null ? 0 : residual[r * out + o]);
        }
      }
    });
    float[] wt = Gemm.transpose(pool, w, out, in);
    Gemm.multiplyAdd(pool, new Matrix(x, 0, in), new Matrix(wt, 0, out), new Matrix(y, 0, out), rows, out, in);
  }
}
