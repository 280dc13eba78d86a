package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * Float32 matrix multiply {@code C [m, n] += A [m, k] B [k, n]}, blocked as BLIS does. The output is split into tiles,
 * one task each; a task walks the depth in {@code KC} blocks, packs its block of {@code B} into {@link Simd#nr()}-column
 * panels (converting weights from their file dtype on the way) and then, {@code MC} rows at a time, its block of
 * {@code A} into {@link Simd#mr()}-row panels, and runs the micro-kernel over them: a B panel stays in L1 while the A
 * panels stream from L2. Packing buffers are per thread and reused, so a call allocates nothing.
 *
 * <p>Tiles split the larger of {@code m} and {@code n}: every tile packs all of the other operand's rows that it
 * needs, so splitting the smaller side would repeat the packing of the larger one (a weight's conversion from F16 for a
 * 77-token projection, a 40 MB activation for a feed-forward layer).
 */
final class Gemm {
  /** Depth per block: a B micro-panel ({@code KC x nr} floats, 32 KiB at nr = 32) stays in L1. */
  static final int KC = 256;
  /** Rows of A per packed block: {@code MC x KC} floats (256 KiB) stay in L2. */
  private static final int MC = 256;
  /** Most columns of C per tile: the packed B block ({@code KC x NC}, 512 KiB) stays in L2. */
  private static final int NC = 512;

  private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[0]);

  private Gemm() {}

  /**
   * {@code c[cOff + i * ldc + j] += sum_p A(i, p) B(p, j)} with {@code A} a row-major float matrix, which the
   * micro-kernel reads in place, and {@code B} as panels.
   */
  static void multiplyAdd(Simd simd, ForkJoinPool pool, int m, int n, int k, Panels.Rows a, Panels b, float[] c,
      int cOff, int ldc) {
    run(simd, pool, m, n, k, a, null, b, c, cOff, ldc);
  }

  /** As above with {@code A} packed beforehand ({@link PackedA}), for weights shared by several products. */
  static void multiplyAdd(Simd simd, ForkJoinPool pool, int n, PackedA a, Panels b, float[] c, int cOff, int ldc) {
    run(simd, pool, a.m(), n, a.k(), null, a, b, c, cOff, ldc);
  }

  /** {@code A} as any panels: packed first, then multiplied. */
  static void multiplyAdd(Simd simd, ForkJoinPool pool, int m, int n, int k, Panels a, Panels b, float[] c, int cOff,
      int ldc) {
    if (a instanceof Panels.Rows rows) {
      multiplyAdd(simd, pool, m, n, k, rows, b, c, cOff, ldc);
    } else if (m > 0 && k > 0) {
      multiplyAdd(simd, pool, n, PackedA.of(simd, pool, a, m, k), b, c, cOff, ldc);
    }
  }

  private static void run(Simd simd, ForkJoinPool pool, int m, int n, int k, Panels.Rows direct, PackedA packed,
      Panels b, float[] c, int cOff, int ldc) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    int mr = simd.mr();
    int nr = simd.nr();
    int mPanels = (m + mr - 1) / mr;
    int nPanels = (n + nr - 1) / nr;
    int wanted = 2 * pool.getParallelism();
    int minTilesN = (n + NC - 1) / NC;
    int tilesM;
    int tilesN;
    if (m >= n) {
      tilesN = minTilesN;
      tilesM = Math.min(mPanels, (wanted + tilesN - 1) / tilesN);
    } else {
      tilesM = 1;
      tilesN = Math.min(nPanels, Math.max(minTilesN, wanted));
    }
    int tm = tilesM;
    int tn = tilesN;
    Parallel.forEach(pool, tm * tn, t -> {
      int im = t / tn;
      int in = t % tn;
      int i0 = (int) ((long) im * mPanels / tm) * mr;
      int i1 = Math.min(m, (int) ((long) (im + 1) * mPanels / tm) * mr);
      int j0 = (int) ((long) in * nPanels / tn) * nr;
      int j1 = Math.min(n, (int) ((long) (in + 1) * nPanels / tn) * nr);
      if (i0 < i1 && j0 < j1) {
        tile(simd, direct, packed, b, c, cOff, ldc, i0, i1, j0, j1, k);
      }
    });
  }

  private static void tile(Simd simd, Panels.Rows direct, PackedA packed, Panels b, float[] c, int cOff, int ldc,
      int i0, int i1, int j0, int j1, int k) {
    int mr = simd.mr();
    int nr = simd.nr();
    int nPanels = (j1 - j0 + nr - 1) / nr;
    float[] packedB = scratch(PACKED_B, KC * nPanels * nr);
    float[] packedA = direct == null ? null : scratch(PACKED_A, KC * mr);
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      for (int jp = 0; jp < nPanels; jp++) {
        int j = j0 + jp * nr;
        b.pack(j, Math.min(nr, j1 - j), k0, kc, nr, packedB, jp * kc * nr);
      }
      for (int ic = i0; ic < i1; ic += MC) {
        int icEnd = Math.min(i1, ic + MC);
        // Row-major float rows are read in place, but for a ragged last panel, which is packed (zero-padded).
        int fullEnd = direct == null ? icEnd : ic + (icEnd - ic) / mr * mr;
        for (int i = fullEnd; direct != null && i < icEnd; i += mr) {
          direct.pack(i, Math.min(mr, icEnd - i), k0, kc, mr, packedA, 0);
        }
        for (int jp = 0; jp < nPanels; jp++) {
          int j = j0 + jp * nr;
          int cols = Math.min(nr, j1 - j);
          int bOff = jp * kc * nr;
          for (int i = ic; i < icEnd; i += mr) {
            if (direct == null) {
              simd.kernel(kc, packed.data(), packed.offset(i, k0, kc), 1, mr, packedB, bOff, c, cOff + i * ldc + j,
                  ldc, Math.min(mr, icEnd - i), cols);
            } else if (i < fullEnd) {
              simd.kernel(kc, direct.data(), direct.offset(i, k0), direct.ld(), 1, packedB, bOff, c,
                  cOff + i * ldc + j, ldc, mr, cols);
            } else {
              simd.kernel(kc, packedA, 0, 1, mr, packedB, bOff, c, cOff + i * ldc + j, ldc,
                  Math.min(mr, icEnd - i), cols);
            }
          }
        }
      }
    }
  }

  /** This thread's buffer, grown to at least {@code size} floats. */
  private static float[] scratch(ThreadLocal<float[]> local, int size) {
    float[] s = local.get();
    if (s.length < size) {
      s = new float[size];
      local.set(s);
    }
    return s;
  }
}
