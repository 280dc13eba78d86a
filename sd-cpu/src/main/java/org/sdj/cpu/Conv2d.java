package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Conv2dParams;

/**
 * Convolution as an implicit GEMM per image: {@code y[n] [O, P] += w [O, C*kh*kw] col [C*kh*kw, P]}, where the weight
 * is converted from its file dtype and packed once per call ({@link PackedPanels}) and {@code col} is formed panel by
 * panel from the input ({@link ConvPanels}), so no whole im2col buffer exists; a 1x1 convolution with stride 1 and no
 * padding reads the input planes as {@code col} directly. The output stays NCHW, so no layout conversion is needed
 * around it. Large 3x3 stride-1 convolutions go to {@link WinogradConv} instead.
 */
final class Conv2d {
  /**
   * Up to this many output pixels (all images together) a convolution is one product over all images with the
   * weight as a per-tile operand: the UNet's 8x8 and 16x16 levels have weights of 15-60 MB against 128-512 pixels,
   * and a packed float copy of the weight, made once per call and streamed once per image, cost more than the
   * arithmetic.
   */
  private static final int FEW_PIXELS = 4096;

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

  /** {@code y} holds the bias and residual already; the convolution accumulates onto it. */
  static void apply(Simd simd, ForkJoinPool pool, float[] x, Panels weight, Conv2dParams p, Shape s, float[] y) {
    int pixels = s.pixels();
    boolean pointwise = s.kh() == 1 && s.kw() == 1 && p.stride() == 1 && p.padTop() == 0 && p.padLeft() == 0
        && p.padBottom() == 0 && p.padRight() == 0;
    if (s.o() == 0 || s.depth() == 0) {
      return;
    }
    if (WinogradConv.applies(s, p)) {
      WinogradConv.apply(simd, pool, x, weight, p, s, y);
      return;
    }
    long columns = (long) s.n() * pixels;
    if (columns > FEW_PIXELS) {
      // The weight is converted and packed once, for all images and all output tiles.
      PackedPanels packed = PackedPanels.of(pool, weight, s.o(), s.depth(), simd.mr());
      for (int n = 0; n < s.n(); n++) {
        Gemm.multiplyAdd(simd, pool, pixels, packed, columns(x, s, p, pointwise, n), y, n * s.o() * pixels, pixels);
      }
      return;
    }
    // Few pixels per weight: all images make one product, whose tiles convert the weight as they pack it.
    int n = (int) columns;
    if (s.n() == 1) {
      Gemm.multiplyAdd(simd, pool, s.o(), n, s.depth(), weight, columns(x, s, p, pointwise, 0), y, 0, pixels);
      return;
    }
    float[] out = new float[Math.multiplyExact(s.o(), n)];
    Gemm.multiplyAdd(simd, pool, s.o(), n, s.depth(), weight, columns(x, s, p, pointwise, 0), out, 0, n);
    for (int image = 0; image < s.n(); image++) {
      for (int o = 0; o < s.o(); o++) {
        int to = (image * s.o() + o) * pixels;
        int from = o * n + image * pixels;
        for (int q = 0; q < pixels; q++) {
          y[to + q] += out[from + q];
        }
      }
    }
  }

  /** The windows of images {@code first ..} as GEMM columns, one per output pixel. */
  private static Panels columns(float[] x, Shape s, Conv2dParams p, boolean pointwise, int first) {
    if (!pointwise) {
      return new ConvPanels(x, s, p, first);
    }
    int pixels = s.pixels();
    if (s.n() - first == 1) {
      return Panels.columns(x, first * s.c() * pixels, pixels);
    }
    // A 1x1 convolution over several images: column o is pixel o % pixels of image first + o / pixels.
    return (o0, count, k0, kc, width, dst, dOff) -> {
      for (int q = 0; q < kc; q++) {
        int row = dOff + q * width;
        for (int i = 0; i < count; ) {
          int o = o0 + i;
          int pixel = o % pixels;
          int len = Math.min(count - i, pixels - pixel);
          System.arraycopy(x, ((first + o / pixels) * s.c() + k0 + q) * pixels + pixel, dst, row + i, len);
          i += len;
        }
      }
      Panels.zeroTail(count, kc, width, dst, dOff);
    };
  }
}
