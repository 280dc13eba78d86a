package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;

/**
 * Float32 matrix multiply {@code C [m, n] += A [m, k] B [k, n]}, blocked as BLIS does: operands are packed into
 * {@link Simd#mr()}-row panels of {@code A} and {@link Simd#nr()}-column panels of {@code B} (weights converted from
 * their file dtype on the way) and multiplied by the register-blocked micro-kernel. The output is split into tiles,
 * one task each on the backend's pool; packing buffers are per thread and reused.
 *
 * <p>Tiles split the larger of {@code m} and {@code n}: every tile packs all of the other operand's rows that it
 * needs, so splitting the smaller side would repeat the packing of the larger one (a weight's conversion from F16 for a
 * 77-token projection, a 40 MB activation for a feed-forward layer). When the columns are split, {@code A} (then the
 * smaller operand) is packed once for all tiles ({@link PackedPanels}, as convolution weights are); when the rows are
 * split and {@code B} is {@linkplain Panels#costly costly} to pack (convolution windows), so is {@code B}. A tile walks
 * the depth outermost ({@link #tile}), or, packing its own rows of {@code A} against a small {@code B}, a block of
 * rows at a time ({@link #rowsTile}); both multiply a depth block by {@link #blockProduct}.
 *
 * <p>{@code A} is always packed, never read in place: the micro-kernel on a packed panel runs about a quarter faster
 * than on rows {@code k} apart, which is worth much more than the copy.
 */
final class Gemm {
  /** Depth per block: a B micro-panel ({@code KC x nr} floats, 32 KiB at nr = 32) stays in L1. */
  static final int KC = 256;
  /** Rows of A per packed block: {@code MC x KC} floats (256 KiB) stay in L2. A multiple of every {@code mr}. */
  private static final int MC = 256;
  /**
   * Most columns of C per tile: the packed B block ({@code KC x NC}, 1 MiB) stays in half of L2. 1024 rather than 512:
   * a 1024-wide product is then one row tile per thread (1024^3 7.4-7.8 instead of 8.6-8.9 ms, 2048x2560x640 12%
   * faster, the other UNet shapes 0-5%).
   */
  private static final int NC = 1024;
  /**
   * Most floats of a tile's whole packed B for {@link #rowsTile} (4 MiB): every block of rows streams all of it, so it
   * must stay close to the core (a 16x16 convolution's 23 MB im2col block made that schedule 40% slower).
   */
  private static final long WHOLE_B_LIMIT = 1L << 20;
  /** Floats of A packed at a time by {@link #rowsTile} (256 KiB): the rows of A per block, times the depth. */
  private static final int ROW_BLOCK_FLOATS = 1 << 16;
  /** Fewest rows of A per block for {@link #rowsTile}: fewer would stream B too often for the work it feeds. */
  private static final int MIN_ROW_BLOCK = 32;

  private static final ThreadLocal<float[]> PACKED_A = ThreadLocal.withInitial(() -> new float[0]);
  /**
   * The calling thread's buffer for an operand packed once for a whole product (reused: a fresh array of several
   * megabytes per call costs its zeroing); {@link #BUSY} while a product holds it, since the caller runs pieces of
   * the product's parallel loops, and a piece may run another product.
   */
  private static final ThreadLocal<float[]> SHARED = ThreadLocal.withInitial(() -> new float[0]);
  private static final float[] BUSY = new float[0];
  private static final ThreadLocal<float[]> PACKED_B = ThreadLocal.withInitial(() -> new float[0]);

  /**
   * Products of fewer multiply-adds get one tile per thread and no separate phase packing A: below this, waking the
   * pool's threads a second time and the extra tiles cost more than the balance they buy (154x768x320: 0.45 instead
   * of 0.7 ms on two threads).
   */
  private static final long SMALL_PRODUCT = 1L << 26;

  private Gemm() {}

  /** {@code c[cOff + i * ldc + j] += sum_p A(i, p) B(p, j)}, both operands given as panels. */
  static void multiplyAdd(Simd simd, ForkJoinPool pool, int m, int n, int k, Panels a, Panels b, float[] c, int cOff,
      int ldc) {
    product(simd, pool, m, n, k, a, b, c, cOff, ldc, true);
  }

  /**
   * {@code c[cOff + i * ldc + j] = sum_p A(i, p) B(p, j)}: as {@link #multiplyAdd} on a zeroed C, without reading C
   * (the first depth block stores its sums), so that C need not be zeroed first.
   */
  static void multiply(Simd simd, ForkJoinPool pool, int m, int n, int k, Panels a, Panels b, float[] c, int cOff,
      int ldc) {
    if (k == 0) {
      for (int i = 0; i < m; i++) {
        java.util.Arrays.fill(c, cOff + i * ldc, cOff + i * ldc + n, 0f);
      }
    }
    product(simd, pool, m, n, k, a, b, c, cOff, ldc, false);
  }

  private static void product(Simd simd, ForkJoinPool pool, int m, int n, int k, Panels a, Panels b, float[] c,
      int cOff, int ldc, boolean add) {
    if (m == 0 || n == 0 || k == 0) {
      return;
    }
    Tiling t = Tiling.of(simd, pool, m, n, k);
    boolean shareA = t.tilesN() > 1 && t.tilesM() == 1;
    boolean shareB = t.tilesM() > 1 && b.costly();
    if (t.small() || !shareA && !shareB) {
      run(simd, pool, t, k, a, null, b, null, c, cOff, ldc, add);
      return;
    }
    float[] buffer = SHARED.get();
    boolean own = buffer != BUSY;
    if (own) {
      SHARED.set(BUSY);
    }
    PackedPanels packed = null;
    try {
      float[] reuse = own ? buffer : new float[0];
      if (shareA) {
        packed = PackedPanels.of(pool, a, m, k, simd.mr(), reuse);
        run(simd, pool, t, k, null, packed, b, null, c, cOff, ldc, add);
      } else {
        packed = PackedPanels.of(pool, b, n, k, simd.nr(), reuse);
        run(simd, pool, t, k, a, null, null, packed, c, cOff, ldc, add);
      }
    } finally {
      if (own) {
        SHARED.set(packed != null ? packed.data() : buffer);
      }
    }
  }

  /** As above with {@code A} packed beforehand ({@link PackedPanels}), for weights shared by several products. */
  static void multiplyAdd(Simd simd, ForkJoinPool pool, int n, PackedPanels a, Panels b, float[] c, int cOff,
      int ldc) {
    if (a.count() == 0 || n == 0 || a.k() == 0) {
      return;
    }
    run(simd, pool, Tiling.of(simd, pool, a.count(), n, a.k()), a.k(), null, a, b, null, c, cOff, ldc, true);
  }

  /** How the output is cut into tasks: {@code tilesM x tilesN} tiles of whole micro-panels. */
  private record Tiling(int m, int n, int mPanels, int nPanels, int tilesM, int tilesN, boolean small) {
    static Tiling of(Simd simd, ForkJoinPool pool, int m, int n, int k) {
      int mPanels = (m + simd.mr() - 1) / simd.mr();
      int nPanels = (n + simd.nr() - 1) / simd.nr();
      boolean small = (long) m * n * k < SMALL_PRODUCT;
      int minTilesN = (n + NC - 1) / NC;
      // One tile per thread where the tiles split only rows (each packs all of B; with the team's dynamic claiming a
      // second round no longer pays: 512^3 9-17% and the 8x8 convolutions 8-19% faster), else two.
      int wanted = (small || m >= n && minTilesN == 1 ? 1 : 2) * pool.getParallelism();
      int threads = pool.getParallelism();
      if (m >= n) {
        int tilesM = (wanted + minTilesN - 1) / minTilesN;
        // Whole rounds of tiles for the threads (5 column tiles on 2 threads left one idle for a fifth of the time).
        while ((long) tilesM * minTilesN % threads != 0 && tilesM * minTilesN < 4 * threads) {
          tilesM++;
        }
        return new Tiling(m, n, mPanels, nPanels, Math.min(mPanels, tilesM), minTilesN, small);
      }
      int tilesN = Math.max(minTilesN, wanted);
      if (tilesN < 4 * threads) {
        tilesN = (tilesN + threads - 1) / threads * threads;
      }
      return new Tiling(m, n, mPanels, nPanels, 1, Math.min(nPanels, tilesN), small);
    }
  }

  private static void run(Simd simd, ForkJoinPool pool, Tiling t, int k, Panels a, PackedPanels packedA, Panels b,
      PackedPanels packedB, float[] c, int cOff, int ldc, boolean add) {
    int mr = simd.mr();
    int nr = simd.nr();
    int tm = t.tilesM();
    int tn = t.tilesN();
    Parallel.forEach(pool, tm * tn, task -> {
      int im = task / tn;
      int in = task % tn;
      int i0 = (int) ((long) im * t.mPanels() / tm) * mr;
      int i1 = Math.min(t.m(), (int) ((long) (im + 1) * t.mPanels() / tm) * mr);
      int j0 = (int) ((long) in * t.nPanels() / tn) * nr;
      int j1 = Math.min(t.n(), (int) ((long) (in + 1) * t.nPanels() / tn) * nr);
      if (i0 < i1 && j0 < j1) {
        if (packedA == null && rowsFirst(k, j1 - j0 + nr)) {
          rowsTile(simd, a, b, packedB, c, cOff, ldc, i0, i1, j0, j1, k, add);
        } else {
          tile(simd, a, packedA, b, packedB, c, cOff, ldc, i0, i1, j0, j1, k, add);
        }
      }
    });
  }

  /**
   * The depth outermost: each block of B is packed once and used by all the tile's rows, A packed beforehand or a
   * block of rows at a time.
   */
  private static void tile(Simd simd, Panels a, PackedPanels packed, Panels b, PackedPanels sharedB, float[] c,
      int cOff, int ldc, int i0, int i1, int j0, int j1, int k, boolean add) {
    int mr = simd.mr();
    int nr = simd.nr();
    int nPanels = (j1 - j0 + nr - 1) / nr;
    float[] packedB =
        sharedB != null ? sharedB.data() : Scratch.floats(PACKED_B, KC * nPanels * nr + CacheLines.FLOATS);
    float[] packedA = packed != null ? packed.data() : Scratch.floats(PACKED_A, KC * MC);
    for (int k0 = 0; k0 < k; k0 += KC) {
      int kc = Math.min(KC, k - k0);
      int b0;
      if (sharedB != null) {
        b0 = sharedB.offset(j0, k0, kc);
      } else {
        b0 = CacheLines.firstAligned(packedB);
        for (int jp = 0; jp < nPanels; jp++) {
          int j = j0 + jp * nr;
          b.pack(j, Math.min(nr, j1 - j), k0, kc, nr, packedB, b0 + jp * kc * nr);
        }
      }
      for (int ic = i0; ic < i1; ic += MC) {
        int icEnd = Math.min(i1, ic + MC);
        if (packed == null) {
          for (int i = ic; i < icEnd; i += mr) {
            a.pack(i, Math.min(mr, icEnd - i), k0, kc, mr, packedA, (i - ic) * kc);
          }
        }
        int aOff = packed != null ? packed.offset(ic, k0, kc) : 0;
        blockProduct(simd, kc, packedA, aOff, packedB, b0, c, cOff + ic * ldc + j0, ldc, icEnd - ic, j1 - j0,
            add || k0 > 0);
      }
    }
  }

  /** Whether {@link #rowsTile} suits a tile of this depth and width: its B small and its blocks of A tall enough. */
  private static boolean rowsFirst(int k, int width) {
    return (long) k * width <= WHOLE_B_LIMIT && ROW_BLOCK_FLOATS / k >= MIN_ROW_BLOCK;
  }

  /**
   * A tile that packs its own A (tall products, small ones) with a small B: all of B is packed first, then A a block
   * of rows at a time over the whole depth, so that this block's part of C stays in L2 while the depth is summed and
   * the rows of A are read from end to end (8192x1280x320: 16% faster than {@link #tile}, which read each row of a
   * 40 MB activation in 1 KiB pieces).
   */
  private static void rowsTile(Simd simd, Panels a, Panels b, PackedPanels sharedB, float[] c, int cOff, int ldc,
      int i0, int i1, int j0, int j1, int k, boolean add) {
    int mr = simd.mr();
    int nr = simd.nr();
    int nPanels = (j1 - j0 + nr - 1) / nr;
    // Unless shared, this tile's B is packed here whole: depth block k0 at bColumn + k0 * bStride.
    float[] packedB;
    int bStride = nPanels * nr;
    int bColumn = 0;
    if (sharedB != null) {
      packedB = sharedB.data();
    } else {
      packedB = Scratch.floats(PACKED_B, k * bStride + CacheLines.FLOATS);
      bColumn = CacheLines.firstAligned(packedB);
      for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = Math.min(KC, k - k0);
        for (int jp = 0; jp < nPanels; jp++) {
          int j = j0 + jp * nr;
          b.pack(j, Math.min(nr, j1 - j), k0, kc, nr, packedB, bColumn + k0 * bStride + jp * kc * nr);
        }
      }
    }
    int mc = Math.min(MC, ROW_BLOCK_FLOATS / k / mr * mr);
    float[] packedA = Scratch.floats(PACKED_A, mc * k);
    for (int ic = i0; ic < i1; ic += mc) {
      int icEnd = Math.min(i1, ic + mc);
      int rowsPad = (icEnd - ic + mr - 1) / mr * mr;
      for (int i = ic; i < icEnd; i += mr) {
        for (int k0 = 0; k0 < k; k0 += KC) {
          int kc = Math.min(KC, k - k0);
          a.pack(i, Math.min(mr, icEnd - i), k0, kc, mr, packedA, k0 * rowsPad + (i - ic) * kc);
        }
      }
      for (int k0 = 0; k0 < k; k0 += KC) {
        int kc = Math.min(KC, k - k0);
        int bOff = sharedB != null ? sharedB.offset(j0, k0, kc) : bColumn + k0 * bStride;
        blockProduct(simd, kc, packedA, k0 * rowsPad, packedB, bOff, c, cOff + ic * ldc + j0, ldc,
            icEnd - ic, j1 - j0, add || k0 > 0);
      }
    }
  }

  /**
   * {@code C [rows, width] += A B} over one block of depth {@code kc}: the panels of A follow each other from
   * {@code aOff}, the panels of B from {@code bOff}. Where the rows of C fall into enough different L1 sets, in
   * BLIS's order: a micro-panel of B stays in L1 while the panels of A pass under it, going down a column of C tiles
   * (8192x1280x320: 24.0 instead of 25.4-26 ms, which read all of B's block from L2 for each panel of A). Where C's
   * row stride is a multiple of 2 KiB, the rows of such a column share one or two L1 sets and evict each other, so a
   * panel of A meets all of B's panels along its own rows of C instead (8192x320x2560: 57 instead of 67 ms,
   * 2048x640x5120: 52 instead of 61).
   */
  private static void blockProduct(Simd simd, int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff,
      int ldc, int rows, int width, boolean add) {
    int mr = simd.mr();
    int nr = simd.nr();
    if (Integer.lowestOneBit(ldc) <= 256) {
      for (int j = 0; j < width; j += nr) {
        for (int i = 0; i < rows; i += mr) {
          simd.tile(kc, a, aOff + i * kc, b, bOff + j * kc, c, cOff + i * ldc + j, ldc, Math.min(mr, rows - i),
              Math.min(nr, width - j), add);
        }
      }
    } else {
      for (int i = 0; i < rows; i += mr) {
        for (int j = 0; j < width; j += nr) {
          simd.tile(kc, a, aOff + i * kc, b, bOff + j * kc, c, cOff + i * ldc + j, ldc, Math.min(mr, rows - i),
              Math.min(nr, width - j), add);
        }
      }
    }
  }
}
