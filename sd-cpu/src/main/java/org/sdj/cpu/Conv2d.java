package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Conv2dParams;
import org.sdj.cpu.Gemm.Matrix;

/**
 * Convolution as a GEMM per image: {@code y[n] [O, P] += w [O, C*kh*kw] col [C*kh*kw, P]}, where {@code col} holds the
 * input windows (im2col) for a slab of output pixels. Slabs bound the scratch memory, which would otherwise reach
 * gigabytes for a VAE decoder at full resolution. A 1x1 convolution with stride 1 and no padding reads the input as
 * {@code col} directly.
 */
final class Conv2d {
  /** Most floats of im2col scratch per slab (64 MiB). */
  private static final long MAX_COL = 16L << 20;

  private Conv2d() {}

  record Shape(int n, int c, int h, int w, int o, int kh, int kw, int oh, int ow) {
    static Shape of(long[] xs, long[] ws, long[] ys) {
      return new Shape((int) xs[0], (int) xs[1], (int) xs[2], (int) xs[3], (int) ws[0], (int) ws[2], (int) ws[3],
          (int) ys[2], (int) ys[3]);
    }

    int depth() {
      return c * kh * kw;
    }

    int pixels() {
      return oh * ow;
    }
  }

  static void apply(ForkJoinPool pool, float[] x, float[] w, float[] bias, Conv2dParams p, float[] residual, Shape s,
      float[] y) {
    apply(pool, x, w, bias, p, residual, s, y, MAX_COL);
  }

  /** As above, with at most {@code maxCol} floats of im2col scratch (small values let tests exercise the slabs). */
  static void apply(ForkJoinPool pool, float[] x, float[] w, float[] bias, Conv2dParams p, float[] residual, Shape s,
      float[] y, long maxCol) {
    int pixels = s.pixels();
    int depth = s.depth();
    Parallel.forEach(pool, s.n() * s.o(), plane -> {
      float b = bias == null ? 0 : bias[plane % s.o()];
      int base = plane * pixels;
      for (int i = 0; i < pixels; i++) {
        y[base + i] = b + (residual == null ? 0 : residual[base + i]);
      }
    });
    Matrix weights = new Matrix(w, 0, depth);
    boolean pointwise = s.kh() == 1 && s.kw() == 1 && p.stride() == 1 && p.padTop() == 0 && p.padLeft() == 0
        && p.padBottom() == 0 && p.padRight() == 0;
    int slab = (int) Math.max(1, Math.min(pixels, maxCol / Math.max(1, depth)));
    float[] col = pointwise ? null : new float[depth * slab];
    for (int n = 0; n < s.n(); n++) {
      for (int p0 = 0; p0 < pixels; p0 += slab) {
        int width = Math.min(slab, pixels - p0);
        Matrix out = new Matrix(y, n * s.o() * pixels + p0, pixels);
        if (pointwise) {
          Gemm.multiplyAdd(pool, weights, new Matrix(x, n * s.c() * pixels + p0, pixels), out, s.o(), width, depth);
        } else {
          im2col(pool, x, n, p, s, p0, width, col);
          Gemm.multiplyAdd(pool, weights, new Matrix(col, 0, width), out, s.o(), width, depth);
        }
      }
    }
  }

  /** {@code col [C*kh*kw, width]}: for each (channel, ky, kx) the inputs under output pixels {@code p0 ..}. */
  private static void im2col(ForkJoinPool pool, float[] x, int n, Conv2dParams p, Shape s, int p0, int width,
      float[] col) {
    int stride = p.stride();
    Parallel.forEach(pool, s.depth(), row -> {
      int kx = row % s.kw();
      int ky = (row / s.kw()) % s.kh();
      int ch = row / (s.kw() * s.kh());
      int plane = (n * s.c() + ch) * s.h() * s.w();
      int dst = row * width;
      int oy = p0 / s.ow();
      int ox = p0 % s.ow();
      for (int q = 0; q < width; q++) {
        int iy = oy * stride - p.padTop() + ky;
        int ix = ox * stride - p.padLeft() + kx;
        col[dst + q] = iy >= 0 && iy < s.h() && ix >= 0 && ix < s.w() ? x[plane + iy * s.w() + ix] : 0;
        if (++ox == s.ow()) {
          ox = 0;
          oy++;
        }
      }
    });
  }
}
