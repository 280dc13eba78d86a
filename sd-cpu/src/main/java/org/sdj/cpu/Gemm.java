package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * Float32 matrix multiply {@code C [m, n] += A [m, k] B [k, n]}, blocked as BLIS does: {@code A} is packed once per call
 * into {@link Simd#mr()}-row panels shared by all tasks; the output is split into tiles, one task each, and a task packs
 * its {@code KC x NC} block of {@code B} into {@link Simd#nr()}-column panels (converting weights from their file dtype
 * on the way) and runs the micro-kernel over it, so that a B panel stays in L1 while the A panels stream from L2.
 */
final class Gemm {
  /** Depth per block: a B micro-panel ({@code KC x nr} floats, 32 KiB at nr = 32) stays in L1. */
  static final int KC = 256;
  /** Rows of A per inner block: {@code MC x KC} floats (256 KiB) stay in L2. */
  private static final int MC = 256;
  /** Columns of C per task. */
  private static final int NC = 512;

  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

  private Gemm() {}

  /** {@code c[cOff + i * ldc + j] += sum_p A(i, p) B(p, j)}, with {@code A(i, p)} and {@code B(p, j)} as panels. */
  static void multiplyAdd(Simd simd, ForkJoinPool pool, int m, int n, int k, Panels a, Panels b, float[] c, int cOff,
      int ldc) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    int mr = simd.mr();
    int nr = simd.nr();
    int mPanels = (m + mr - 1) / mr;
    int mPad = mPanels * mr;
    float[] packedA = packA(pool, a, m, k, mr, mPad);
    int threads = pool.getParallelism();
    int tilesN = (n + NC - 1) / NC;
    int tilesM = tilesN >= 2 * threads ? 1 : Math.min(mPanels, (2 * threads + tilesN - 1) / tilesN);
    int tileRows = (mPanels + tilesM - 1) / tilesM * mr;
    int tiles = ((m + tileRows - 1) / tileRows) * tilesN;
    Parallel.forEach(pool, tiles, t -> {
      int i0 = (t / tilesN) * tileRows;
      int j0 = (t % tilesN) * NC;
      tile(simd, packedA, mPad, b, c, cOff, ldc, m, i0, Math.min(m, i0 + tileRows), j0, Math.min(n, j0 + NC), k);
    });
  }

  /** Packs all of A, block by block of depth: block {@code k0} starts at {@code k0 * mPad}, panel by panel. */
  private static float[] packA(ForkJoinPool pool, Panels a, int m, int k, int mr, int mPad) {
    float[] packed = new float[mPad * k];
    int mPanels = mPad / mr;
    Parallel.forChunks(pool, mPanels, Math.max(1, 64 / mr), (p0, p1) -> {
      for (int ip = p0; ip < p1; ip++) {
        for (int k0 = 0; k0 < k; k0 += KC) {
          int kc = Math.min(KC, k - k0);
          a.pack(ip * mr, Math.min(mr, m - ip * mr), k0, kc, mr, packed, k0 * mPad + ip * mr * kc);
        }
      }
    });
    return packed;
  }

  private static void tile(Simd simd, float[] packedA, int mPad, Panels b, float[] c, int cOff, int ldc, int m,
      int i0, int i1, int j0, int j1, int k) {
    int mr = simd.mr();
    int nr = simd.nr();
    int width = j1 - j0;
    int nPanels = (width + nr - 1) / nr;
    float[] packedB = scratch(KC * nPanels * nr);
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      for (int jp = 0; jp < nPanels; jp++) {
        int j = j0 + jp * nr;
        b.pack(j, Math.min(nr, j1 - j), k0, kc, nr, packedB, jp * kc * nr);
      }
      int aBlock = k0 * mPad;
      for (int ic = i0; ic < i1; ic += MC) {
        int icEnd = Math.min(i1, ic + MC);
        for (int jp = 0; jp < nPanels; jp++) {
          int j = j0 + jp * nr;
          int cols = Math.min(nr, j1 - j);
          for (int i = ic; i < icEnd; i += mr) {
            simd.kernel(kc, packedA, aBlock + (i / mr) * mr * kc, packedB, jp * kc * nr, c, cOff + i * ldc + j, ldc,
                Math.min(mr, m - i), cols);
          }
        }
      }
    }
  }

  /** This thread's packing buffer, grown to at least {@code size} floats. */
  private static float[] scratch(int size) {
    float[] s = SCRATCH.get();
    if (s.length < size) {
      s = new float[size];
      SCRATCH.set(s);
    }
    return s;
  }
}
