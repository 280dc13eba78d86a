package org.sdj.cuda;

import org.sdj.backend.DType;

/**
 * {@link Convolutions} of {@link HostDevice}: what {@link Convolution} asks of cuDNN, computed on the host. A
 * cross-correlation with symmetric zero padding and one stride in both directions, products summed in float and
 * rounded into the storage type once; with {@link Convolution.Key#nhwc()} the input and output are
 * {@code [n, h, w, c]} and the filter {@code [o, kh, kw, c]}, otherwise {@code [n, c, h, w]} and {@code [o, c, kh, kw]}.
 */
final class HostConvolution implements Convolutions {
  private final DType type;

  HostConvolution(DType type) {
    this.type = type;
  }

  @Override
  public void forward(Convolution.Key k, long x, long weight, long y, int outH, int outW, BlockCache memory) {
    float[] in = HostArrays.read(x, (long) k.n() * k.c() * k.h() * k.w(), type);
    float[] f = HostArrays.read(weight, (long) k.o() * k.c() * k.kh() * k.kw(), type);
    float[] out = new float[Math.toIntExact((long) k.n() * k.o() * outH * outW)];
    for (int b = 0; b < k.n(); b++) {
      for (int o = 0; o < k.o(); o++) {
        for (int oy = 0; oy < outH; oy++) {
          for (int ox = 0; ox < outW; ox++) {
            float sum = 0;
            for (int ky = 0; ky < k.kh(); ky++) {
              int iy = oy * k.stride() - k.padH() + ky;
              if (iy < 0 || iy >= k.h()) {
                continue;
              }
              for (int kx = 0; kx < k.kw(); kx++) {
                int ix = ox * k.stride() - k.padW() + kx;
                if (ix < 0 || ix >= k.w()) {
                  continue;
                }
                for (int c = 0; c < k.c(); c++) {
                  sum += in[input(k, b, c, iy, ix)] * f[filter(k, o, c, ky, kx)];
                }
              }
            }
            out[k.nhwc() ? ((b * outH + oy) * outW + ox) * k.o() + o : ((b * k.o() + o) * outH + oy) * outW + ox] = sum;
          }
        }
      }
    }
    HostArrays.write(y, out, type);
  }

  private static int input(Convolution.Key k, int b, int c, int y, int x) {
    return k.nhwc() ? ((b * k.h() + y) * k.w() + x) * k.c() + c : ((b * k.c() + c) * k.h() + y) * k.w() + x;
  }

  private static int filter(Convolution.Key k, int o, int c, int y, int x) {
    return k.nhwc() ? ((o * k.kh() + y) * k.kw() + x) * k.c() + c : ((o * k.c() + c) * k.kh() + y) * k.kw() + x;
  }
}
