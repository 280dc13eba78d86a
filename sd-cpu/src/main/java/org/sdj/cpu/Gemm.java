package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * Float32 matrix multiply {@code C += A B} on row-major arrays with leading dimensions, tiled over C and run in
 * parallel. The inner loop is an axpy over a row of B (i-k-j order), which the JIT vectorizes; A's rows are consumed
 * four at a time along k to cut loads and stores of C.
 */
final class Gemm {
  /** Rows of C per task. */
  private static final int TILE_M = 32;
  /** Columns of C per task: a 2 KiB strip of a C row stays in L1. */
  private static final int TILE_N = 512;
  /** Depth per pass: a TILE_K x TILE_N block of B (256 KiB) stays in L2 while a tile's rows stream past it. */
  private static final int TILE_K = 128;

  private Gemm() {}

  /** A matrix view: {@code m[offset + row * stride + col]}. */
  record Matrix(float[] data, int offset, int stride) {}

  /** {@code c [m, n] += a [m, k] b [k, n]}. */
  static void multiplyAdd(ForkJoinPool pool, Matrix a, Matrix b, Matrix c, int m, int n, int k) {
    int tilesM = (m + TILE_M - 1) / TILE_M;
    int tilesN = (n + TILE_N - 1) / TILE_N;
    Parallel.forEach(pool, tilesM * tilesN, t -> {
      int i0 = (t / tilesN) * TILE_M;
      int j0 = (t % tilesN) * TILE_N;
      tile(a, b, c, i0, Math.min(m, i0 + TILE_M), j0, Math.min(n, j0 + TILE_N), k);
    });
  }

  private static void tile(Matrix am, Matrix bm, Matrix cm, int i0, int i1, int j0, int j1, int k) {
    float[] a = am.data();
    float[] b = bm.data();
    float[] c = cm.data();
    int ldb = bm.stride();
    for (int k0 = 0; k0 < k; k0 += TILE_K) {
      int k1 = Math.min(k, k0 + TILE_K);
      for (int i = i0; i < i1; i++) {
        int aRow = am.offset() + i * am.stride();
        int cRow = cm.offset() + i * cm.stride();
        int p = k0;
        for (; p + 3 < k1; p += 4) {
          float a0 = a[aRow + p];
          float a1 = a[aRow + p + 1];
          float a2 = a[aRow + p + 2];
          float a3 = a[aRow + p + 3];
          int b0 = bm.offset() + p * ldb;
          int b1 = b0 + ldb;
          int b2 = b1 + ldb;
          int b3 = b2 + ldb;
          for (int j = j0; j < j1; j++) {
            c[cRow + j] += a0 * b[b0 + j] + a1 * b[b1 + j] + a2 * b[b2 + j] + a3 * b[b3 + j];
          }
        }
        for (; p < k1; p++) {
          float av = a[aRow + p];
          int bRow = bm.offset() + p * ldb;
          for (int j = j0; j < j1; j++) {
            c[cRow + j] += av * b[bRow + j];
          }
        }
      }
    }
  }

  /** {@code [rows, cols] -> [cols, rows]}, in parallel over row blocks of the result. */
  static float[] transpose(ForkJoinPool pool, float[] x, int rows, int cols) {
    float[] t = new float[x.length];
    Parallel.forChunks(pool, cols, 64, (c0, c1) -> {
      for (int r = 0; r < rows; r++) {
        for (int c = c0; c < c1; c++) {
          t[c * rows + r] = x[r * cols + c];
        }
      }
    });
    return t;
  }
}
