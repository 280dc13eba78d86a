package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * {@code y [n, cols, rows] = x [n, rows, cols]} transposed per batch item: an image's planes as tokens and back
 * ({@code [N, C, H*W] <-> [N, H*W, C]}). Square blocks small enough for L1 are copied column by column, so that the
 * writes run along rows of {@code y} while the strided reads stay in cache; blocks of rows are the pool's tasks (the
 * element-by-element loop over a 10 MB activation took 8 ms, with every write a cache miss).
 */
final class Transpose {
  /** Rows and columns per block: 32 x 32 floats read and 32 x 32 written, 8 KiB in all. */
  private static final int BLOCK = 32;

  private Transpose() {}

  static void apply(ForkJoinPool pool, float[] x, int n, int rows, int cols, float[] y) {
    int rowBlocks = (rows + BLOCK - 1) / BLOCK;
    long work = (long) n * rows * cols;
    Parallel.forChunks(pool, n * rowBlocks, work < (1 << 16) ? n * rowBlocks : 1, (t0, t1) -> {
      for (int t = t0; t < t1; t++) {
        int base = t / rowBlocks * rows * cols;
        int r0 = t % rowBlocks * BLOCK;
        int r1 = Math.min(rows, r0 + BLOCK);
        for (int c0 = 0; c0 < cols; c0 += BLOCK) {
          int c1 = Math.min(cols, c0 + BLOCK);
          for (int c = c0; c < c1; c++) {
            int dst = base + c * rows;
            for (int r = r0; r < r1; r++) {
              y[dst + r] = x[base + r * cols + c];
            }
          }
        }
      }
    });
  }
}
