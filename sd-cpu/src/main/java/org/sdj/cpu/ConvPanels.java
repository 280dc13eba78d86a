package org.sdj.cpu;

import java.util.Arrays;
import org.sdj.backend.Conv2dParams;

/**
 * One image's convolution windows as the {@code B} operand of a GEMM (implicit im2col): element {@code (o, k)} is the
 * input under output pixel {@code o} at window position {@code k = (channel, ky, kx)}, or zero in the padding. Only
 * the panels being multiplied are ever formed, so a convolution needs no im2col buffer at all.
 */
final class ConvPanels implements Panels {
  private final float[] x;
  private final Conv2d.Shape s;
  private final Conv2dParams p;
  private final int imageBase;

  ConvPanels(float[] x, Conv2d.Shape s, Conv2dParams p, int image) {
    this.x = x;
    this.s = s;
    this.p = p;
    this.imageBase = image * s.c() * s.h() * s.w();
  }

  @Override
  public void pack(int o0, int count, int k0, int kc, int width, float[] dst, int dOff) {
    int window = s.kh() * s.kw();
    for (int q = 0; q < kc; q++) {
      int kk = k0 + q;
      int ch = kk / window;
      int ky = (kk % window) / s.kw();
      int kx = kk % s.kw();
      packRow(imageBase + ch * s.h() * s.w(), ky, kx, o0, count, dst, dOff + q * width);
      Arrays.fill(dst, dOff + q * width + count, dOff + q * width + width, 0f);
    }
  }

  /** The inputs under output pixels {@code o0 ..} at window offset {@code (ky, kx)} of one channel's plane. */
  private void packRow(int plane, int ky, int kx, int o0, int count, float[] dst, int d) {
    int stride = p.stride();
    int i = 0;
    while (i < count) {
      int o = o0 + i;
      int oy = o / s.ow();
      int ox = o % s.ow();
      int run = Math.min(count - i, s.ow() - ox);
      int iy = oy * stride - p.padTop() + ky;
      int out = d + i;
      if (iy < 0 || iy >= s.h()) {
        Arrays.fill(dst, out, out + run, 0f);
      } else {
        int row = plane + iy * s.w();
        int ix0 = ox * stride - p.padLeft() + kx;
        if (stride == 1) {
          int lo = Math.min(run, Math.max(0, -ix0));
          int hi = Math.max(lo, Math.min(run, s.w() - ix0));
          Arrays.fill(dst, out, out + lo, 0f);
          System.arraycopy(x, row + ix0 + lo, dst, out + lo, hi - lo);
          Arrays.fill(dst, out + hi, out + run, 0f);
        } else {
          for (int r = 0; r < run; r++) {
            int ix = ix0 + r * stride;
            dst[out + r] = ix >= 0 && ix < s.w() ? x[row + ix] : 0f;
          }
        }
      }
      i += run;
    }
  }
}
