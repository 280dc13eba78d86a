package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Conv2dParams;

/**
 * Convolution as an implicit GEMM per image: {@code y[n] [O, P] += w [O, C*kh*kw] col [C*kh*kw, P]}, where the weight
 * is converted from its file dtype and packed once per call ({@link PackedA}) and {@code col} is formed panel by panel
 * from the input ({@link ConvPanels}), so no im2col buffer exists; a 1x1 convolution with stride 1 and no padding
 * reads the input planes as {@code col} directly. The output stays NCHW, so
 * no layout conversion is needed around it. Large 3x3 stride-1 convolutions go to {@link WinogradConv} instead.
 */
final class Conv2d {
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
    // The weight is converted and packed once, for all images and all output tiles.
    PackedA packed = PackedA.of(simd, pool, weight, s.o(), s.depth());
    for (int n = 0; n < s.n(); n++) {
      Panels col = pointwise ? Panels.columns(x, n * s.c() * pixels, pixels) : new ConvPanels(x, s, p, n);
      Gemm.multiplyAdd(simd, pool, pixels, packed, col, y, n * s.o() * pixels, pixels);
    }
  }
}
