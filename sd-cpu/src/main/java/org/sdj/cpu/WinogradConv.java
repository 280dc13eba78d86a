package org.sdj.cpu;

import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Conv2dParams;

/**
 * A 3x3 stride-1 convolution by Winograd's minimal filtering F(2x2, 3x3) (Lavin and Gray, "Fast Algorithms for
 * Convolutional Neural Networks", 2015): each 2x2 block of output pixels ("tile") is computed from a 4x4 input patch
 * in a transformed domain where the convolution becomes 16 independent products over channels,
 * {@code M_xi [O, tiles] = U_xi [O, C] V_xi [C, tiles]}. That is 16 multiply-adds per tile and channel pair instead
 * of 36, so the GEMM work is 2.25 times smaller; the transforms only add and halve (the matrices hold 0, +-1 and
 * +-1/2), which keeps the float32 error at a few ulps of the direct sum.
 *
 * <p>Work is split into tasks of a few tile panels of one image; a task transforms its input patches straight into
 * packed B panels ({@code V}), runs the micro-kernel against the transformed weights ({@code U}, packed once per call
 * like any convolution weight), and transforms its 16 products back into the output, which already holds bias and
 * residual. A task's buffers stay in L2; nothing of the size of an im2col matrix is ever formed.
 *
 * <p>Transforms (rows of the matrices): {@code B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1]},
 * {@code G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1]}, {@code A^T = [1 1 1 0; 0 1 -1 -1]};
 * {@code y = A^T [(G g G^T) . (B^T d B)] A}.
 */
final class WinogradConv {
  /** Positions of the transformed 4x4 tile. */
  private static final int XI = 16;
  /**
   * Most tile panels per task. Two measured best on two threads at the UNet's and the VAE's shapes (1, 4 and 8 were
   * up to 20% slower): enough tasks to balance, buffers near L2, and at a 64x64 latent two tile rows per task, so
   * that input and output rows are not read a few hundred bytes per channel plane.
   */
  private static final int PANELS_PER_TASK = 2;
  /** Bound on a task's V (or M) buffer, in floats (4 MiB); only the widest layers get fewer panels per task. */
  private static final int BUFFER_FLOATS = 1 << 20;
  /**
   * Below this many output pixels per call the weight transform (16 values for each of the {@code O x C} filters)
   * costs more than the multiplications saved; the UNet's 16x16 and 8x8 levels stay on the implicit GEMM.
   */
  private static final int MIN_PIXELS = 2048;
  /** See {@link #applies}: fewer output pixels than {@code O C / 300} do not repay the transformed weights' traffic. */
  private static final int WEIGHTS_PER_PIXEL = 300;
  /** Narrower layers gain too little to be worth the transforms (and their packed panels would be mostly padding). */
  private static final int MIN_CHANNELS = 16;

  /** Floats added between the planes of a task's buffers (see {@code Block}). */
  private static final int SKEW = 16;

  private static final ThreadLocal<float[]> V = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> M = ThreadLocal.withInitial(() -> new float[0]);

  private WinogradConv() {}

  /**
   * Whether this convolution is done here: 3x3, stride 1, wide enough, with enough output pixels, and enough of them
   * per weight. Every task streams all 16 transformed weights ({@code 16 O C} floats) for its few tile panels, so at
   * 32x32 with 1280 or 1920 input channels the transform lost to the implicit GEMM (0.93x, 0.98x), while at 960 it
   * won 1.22x: it pays from about one output pixel per {@link #WEIGHTS_PER_PIXEL} weights on.
   */
  static boolean applies(Conv2d.Shape s, Conv2dParams p) {
    long pixels = (long) s.n() * s.pixels();
    return s.kh() == 3 && s.kw() == 3 && p.stride() == 1 && s.c() >= MIN_CHANNELS && s.o() >= MIN_CHANNELS
        && pixels >= MIN_PIXELS && pixels * WEIGHTS_PER_PIXEL >= (long) s.o() * s.c();
  }

  /**
   * {@code y [N, O, oh, ow] +=} the convolution of {@code x [N, C, h, w]} with {@code weight} ({@code [O, C*9]} as
   * panels); {@code p} must have stride 1 and the weight must be 3x3 ({@link #applies} need not hold).
   */
  static void apply(Simd simd, ForkJoinPool pool, float[] x, Panels weight, Conv2dParams p, Conv2d.Shape s,
      float[] y) {
    if (s.o() == 0 || s.c() == 0 || s.pixels() == 0) {
      return;
    }
    PackedPanels[] u = transformWeights(simd, pool, weight, s.o(), s.c());
    int nr = simd.nr();
    int tilesW = (s.ow() + 1) / 2;
    int tiles = ((s.oh() + 1) / 2) * tilesW;
    int widest = Math.max(s.c(), s.o());
    int panelsPerTask = Math.max(1, Math.min(PANELS_PER_TASK, BUFFER_FLOATS / (XI * widest * nr)));
    int tileBlock = panelsPerTask * nr;
    int blocks = (tiles + tileBlock - 1) / tileBlock;
    Parallel.forEach(pool, s.n() * blocks, task -> {
      int n = task / blocks;
      int t0 = (task % blocks) * tileBlock;
      new Block(simd, s, p, x, y, n, t0, Math.min(tileBlock, tiles - t0), panelsPerTask, tilesW).run(u);
    });
  }

  /**
   * {@code U_xi = G g G^T} for every filter {@code g = w[o, c]}, as 16 left operands packed for the micro-kernel
   * ({@link PackedPanels}' layout, depth = input channel).
   */
  static PackedPanels[] transformWeights(Simd simd, ForkJoinPool pool, Panels weight, int o, int c) {
    int mr = simd.mr();
    int mPanels = (o + mr - 1) / mr;
    int mPad = mPanels * mr;
    float[][] data = new float[XI][Math.multiplyExact(mPad, c)];
    // Channels per step: the 9 taps of each, for mr filters, are decoded by one pack call.
    int step = Math.min(c, 64);
    Parallel.forEach(pool, mPanels, ip -> {
      float[] g = new float[step * 9 * mr];
      float[] h = new float[12];
      float[] t = new float[XI];
      int rows = Math.min(mr, o - ip * mr);
      for (int c0 = 0; c0 < c; c0 += step) {
        int cs = Math.min(step, c - c0);
        weight.pack(ip * mr, rows, c0 * 9, cs * 9, mr, g, 0);
        for (int ci = 0; ci < cs; ci++) {
          int ch = c0 + ci;
          int k0 = ch / Gemm.KC * Gemm.KC;
          int kc = Math.min(Gemm.KC, c - k0);
          int base = k0 * mPad + ip * mr * kc + (ch - k0) * mr;
          for (int r = 0; r < rows; r++) {
            filter(g, ci * 9 * mr + r, mr, h, t);
            for (int xi = 0; xi < XI; xi++) {
              data[xi][base + r] = t[xi];
            }
          }
        }
      }
    });
    PackedPanels[] u = new PackedPanels[XI];
    for (int xi = 0; xi < XI; xi++) {
      u[xi] = new PackedPanels(data[xi], o, c, mPad, 0);
    }
    return u;
  }

  /** {@code t = G g G^T} for the 3x3 filter at {@code g[off + (3 ky + kx) * stride]}; {@code h} is scratch (4x3). */
  private static void filter(float[] g, int off, int stride, float[] h, float[] t) {
    for (int kx = 0; kx < 3; kx++) {
      float g0 = g[off + kx * stride];
      float g1 = g[off + (3 + kx) * stride];
      float g2 = g[off + (6 + kx) * stride];
      h[kx] = g0;
      h[3 + kx] = 0.5f * (g0 + g1 + g2);
      h[6 + kx] = 0.5f * (g0 - g1 + g2);
      h[9 + kx] = g2;
    }
    for (int a = 0; a < 4; a++) {
      float h0 = h[3 * a];
      float h1 = h[3 * a + 1];
      float h2 = h[3 * a + 2];
      t[4 * a] = h0;
      t[4 * a + 1] = 0.5f * (h0 + h1 + h2);
      t[4 * a + 2] = 0.5f * (h0 - h1 + h2);
      t[4 * a + 3] = h2;
    }
  }

  /**
   * One task: tiles {@code t0 .. t0 + count} of image {@code n}, in panels of {@code nr} tiles. {@code V} holds, for
   * each position xi and panel, the C x nr transformed patches depth-major (a packed B panel); {@code M} the products,
   * {@code [xi][O][tileBlock]}.
   */
  private record Block(Simd simd, Conv2d.Shape s, Conv2dParams p, float[] x, float[] y, int n, int t0, int count,
      int panels, int tilesW) {

    void run(PackedPanels[] u) {
      int nr = simd.nr();
      int width = panels * nr;
      int vStride = vStride(nr);
      int mStride = mStride(width);
      float[] v = Scratch.floats(V, XI * vStride + CacheLines.FLOATS);
      float[] m = Scratch.floats(M, XI * mStride + CacheLines.FLOATS);
      // Both buffers start on a cache line (the kernel's loads of B and of C then never straddle two); the planes
      // and panels within them are whole lines apart.
      int v0 = CacheLines.firstAligned(v);
      int m0 = CacheLines.firstAligned(m);
      transformInput(v, v0, nr);
      int usedPanels = (count + nr - 1) / nr;
      int mr = simd.mr();
      for (int xi = 0; xi < XI; xi++) {
        PackedPanels a = u[xi];
        for (int k0 = 0; k0 < s.c(); k0 += Gemm.KC) {
          int kc = Math.min(Gemm.KC, s.c() - k0);
          for (int i = 0; i < s.o(); i += mr) {
            int aOff = a.offset(i, k0, kc);
            int rows = Math.min(mr, s.o() - i);
            for (int jp = 0; jp < usedPanels; jp++) {
              int bOff = v0 + xi * vStride + (jp * s.c() + k0) * nr;
              int cOff = m0 + xi * mStride + i * width + jp * nr;
              if (k0 == 0) {
                simd.kernelSet(kc, a.data(), aOff, v, bOff, m, cOff, width, rows, nr);
              } else {
                simd.kernel(kc, a.data(), aOff, v, bOff, m, cOff, width, rows, nr);
              }
            }
          }
        }
      }
      transformOutput(m, m0, width, mStride);
    }

    // The 16 planes of V and of M are set a cache line further apart than their size, so that planes written side by
    // side do not all fall into the same L1 sets (as they would at a distance that is a multiple of 4 KiB).

    private int vStride(int nr) {
      return panels * s.c() * nr + SKEW;
    }

    private int mStride(int width) {
      return s.o() * width + SKEW;
    }

    /**
     * {@code V = B^T d B} of each tile's 4x4 input patch (zero outside the image), into the packed panels. Work goes
     * by tile rows: the input rows are split into even and odd columns once per channel, after which every step is a
     * vector loop over the tiles of a row ({@link Simd#winogradIn}) and the results of consecutive tiles are stored
     * side by side, as a packed panel wants them.
     */
    private void transformInput(float[] v, int v0, int nr) {
      int len = tilesW + 1;
      int firstRow = t0 / tilesW;
      int lastRow = (t0 + count - 1) / tilesW;
      int inRows = 2 * (lastRow - firstRow) + 4;
      float[] ev = new float[inRows * len];
      float[] od = new float[inRows * len];
      float[] e = new float[8 * len];
      int panelStride = vStride(nr);
      int plane = s.h() * s.w();
      for (int c = 0; c < s.c(); c++) {
        int base = (n * s.c() + c) * plane;
        for (int r = 0; r < inRows; r++) {
          split(base, 2 * firstRow - p.padTop() + r, ev, od, r * len, len);
        }
        for (int ty = firstRow; ty <= lastRow; ty++) {
          int txFrom = ty == firstRow ? t0 % tilesW : 0;
          int txTo = ty == lastRow ? (t0 + count - 1) % tilesW + 1 : tilesW;
          int r0 = 2 * (ty - firstRow) * len;
          int span = txTo + 1 - txFrom;
          simd.winogradIn(ev, r0 + txFrom, r0 + len + txFrom, r0 + 2 * len + txFrom, r0 + 3 * len + txFrom, e, txFrom,
              len, span);
          simd.winogradIn(od, r0 + txFrom, r0 + len + txFrom, r0 + 2 * len + txFrom, r0 + 3 * len + txFrom, e,
              4 * len + txFrom, len, span);
          // Runs of tiles that fall into one panel are stored with one loop each.
          for (int tx = txFrom; tx < txTo; ) {
            int t = ty * tilesW + tx - t0;
            int panel = t / nr;
            int run = Math.min(txTo - tx, (panel + 1) * nr - t);
            int dst = (panel * s.c() + c) * nr + t % nr;
            for (int i = 0; i < 4; i++) {
              int even = i * len + tx;
              int odd = (4 + i) * len + tx;
              simd.winogradIn(e, even, odd, even + 1, odd + 1, v, v0 + 4 * i * panelStride + dst, panelStride, run);
            }
            tx += run;
          }
        }
      }
      // Tiles past the block's end in its last panel.
      for (int t = count; t < ((count + nr - 1) / nr) * nr; t++) {
        for (int xi = 0; xi < XI; xi++) {
          for (int c = 0; c < s.c(); c++) {
            v[v0 + xi * panelStride + ((t / nr) * s.c() + c) * nr + t % nr] = 0f;
          }
        }
      }
    }

    /** Input row {@code iy} of the plane at {@code base}, padded, split into even and odd padded columns. */
    private void split(int base, int iy, float[] ev, float[] od, int off, int len) {
      if (iy < 0 || iy >= s.h()) {
        Arrays.fill(ev, off, off + len, 0f);
        Arrays.fill(od, off, off + len, 0f);
        return;
      }
      int row = base + iy * s.w();
      int pad = p.padLeft();
      // Columns m with both 2m - pad and 2m + 1 - pad inside the row need no checks.
      int lo = Math.min(len, (pad + 1) / 2);
      int hi = Math.max(lo, Math.min(len, (s.w() + pad - 1) / 2));
      for (int m = 0; m < lo; m++) {
        int ix = 2 * m - pad;
        ev[off + m] = ix >= 0 && ix < s.w() ? x[row + ix] : 0f;
        od[off + m] = ix + 1 >= 0 && ix + 1 < s.w() ? x[row + ix + 1] : 0f;
      }
      simd.deinterleave(x, row + 2 * lo - pad, hi - lo, ev, off + lo, od, off + lo);
      for (int m = hi; m < len; m++) {
        int ix = 2 * m - pad;
        ev[off + m] = ix >= 0 && ix < s.w() ? x[row + ix] : 0f;
        od[off + m] = ix + 1 >= 0 && ix + 1 < s.w() ? x[row + ix + 1] : 0f;
      }
    }

    /**
     * {@code y += A^T M A} for each tile and output channel, the parts of the 2x2 block inside the output: both
     * transform stages run along the tiles of the block (unit stride in {@code M}); only the final interleaving of
     * each tile's two columns into the output rows is scalar.
     */
    private void transformOutput(float[] m, int m0, int width, int mStride) {
      float[] tmp = new float[8 * width];
      float[] out = new float[4 * width];
      for (int o = 0; o < s.o(); o++) {
        int src = o * width;
        // T[a][0..1] = rows of M combined along j, for a = 0..3, at tmp[(2a + j) * width].
        for (int a = 0; a < 4; a++) {
          int x0 = m0 + 4 * a * mStride + src;
          simd.winogradOut(m, x0, x0 + mStride, x0 + 2 * mStride, x0 + 3 * mStride, tmp, 2 * a * width,
              (2 * a + 1) * width, count);
        }
        // Y[i][j] at out[(2i + j) * width].
        for (int j = 0; j < 2; j++) {
          simd.winogradOut(tmp, j * width, (2 + j) * width, (4 + j) * width, (6 + j) * width, out, j * width,
              (2 + j) * width, count);
        }
        addTiles(out, width, (n * s.o() + o) * s.pixels());
      }
    }

    /** Adds each tile's 2x2 block ({@code out}: rows y00, y01, y10, y11 of {@code width}) into an output plane. */
    private void addTiles(float[] out, int width, int plane) {
      for (int t = 0; t < count; ) {
        int tile = t0 + t;
        int oy = 2 * (tile / tilesW);
        int tx = tile % tilesW;
        int run = Math.min(count - t, tilesW - tx);
        int full = oy + 1 < s.oh() ? 2 : 1;
        for (int i = 0; i < full; i++) {
          int row = plane + (oy + i) * s.ow();
          int a = (2 * i) * width + t;
          int b = (2 * i + 1) * width + t;
          // The last tile of a row of odd width has no second column.
          int pairs = Math.min(run, (s.ow() - 2 * tx) / 2);
          for (int q = 0, at = row + 2 * tx; q < pairs; q++, at += 2) {
            y[at] += out[a + q];
            y[at + 1] += out[b + q];
          }
          if (pairs < run) {
            y[row + 2 * (tx + pairs)] += out[a + pairs];
          }
        }
        t += run;
      }
    }
  }
}
