package org.sdj.image;

/**
 * torch's {@code interpolate(x, size=(height, width), mode=...)} on the CPU, corners not aligned, for
 * {@code [N, C, h, w]} float arrays (latents): the modes AUTOMATIC1111's latent hires upscalers use, with and without
 * {@code antialias=True}. Arithmetic in float, as torch's float kernels do (the antialiased modes' weights in double).
 */
public final class TorchInterpolate {
  /** The cubic convolution's {@code A}, torch's (Keys' -0.75; Pillow's bicubic takes -0.5). */
  private static final float CUBIC_A = -0.75f;

  /** The modes; {@code _AA} with {@code antialias=True}. */
  public enum Mode { BILINEAR, BICUBIC, NEAREST, NEAREST_EXACT, BILINEAR_AA, BICUBIC_AA }

  /** torch's antialiased kernels' cubic convolution {@code A} (-0.5, where their plain bicubic takes -0.75). */
  private static final double AA_CUBIC_A = -0.5;

  private TorchInterpolate() {}

  /**
   * @param x {@code [N, C, h, w]} flattened ({@code shape})
   * @return {@code [N, C, height, width]} flattened
   */
  public static float[] resize(float[] x, long[] shape, int height, int width, Mode mode) {
    int planes = Math.toIntExact(shape[0] * shape[1]);
    int h = Math.toIntExact(shape[2]);
    int w = Math.toIntExact(shape[3]);
    float[] out = new float[planes * height * width];
    for (int p = 0; p < planes; p++) {
      int in = p * h * w;
      int at = p * height * width;
      switch (mode) {
        case BILINEAR_AA, BICUBIC_AA -> {
          int support = mode == Mode.BILINEAR_AA ? 2 : 4;
          separable(x, in, h, w, out, at, aaWeights(h, height, support), aaWeights(w, width, support));
        }
        case BILINEAR -> bilinear(x, in, h, w, out, at, height, width);
        case BICUBIC -> bicubic(x, in, h, w, out, at, height, width);
        case NEAREST, NEAREST_EXACT -> {
          int[] ys = nearest(h, height, mode == Mode.NEAREST_EXACT);
          int[] xs = nearest(w, width, mode == Mode.NEAREST_EXACT);
          for (int oy = 0; oy < height; oy++) {
            for (int ox = 0; ox < width; ox++) {
              out[at + oy * width + ox] = x[in + ys[oy] * w + xs[ox]];
            }
          }
        }
      }
    }
    return out;
  }

  /**
   * Each output index's source: {@code floor(o * in / out)} (nearest, whole multiples taken exactly as torch does) or
   * {@code floor((o + 0.5) * in / out)} (nearest-exact), clamped.
   */
  private static int[] nearest(int in, int out, boolean exact) {
    int[] index = new int[out];
    float scale = (float) in / out;
    for (int o = 0; o < out; o++) {
      if (!exact && out == in) {
        index[o] = o;
      } else if (!exact && out == 2 * in) {
        index[o] = o >> 1;
      } else {
        index[o] = Math.min((int) Math.floor(exact ? (o + 0.5f) * scale : o * scale), in - 1);
      }
    }
    return index;
  }

  /**
   * torch's antialiased weights ({@code _compute_weights_aa}) from {@code in} samples to {@code out}: output {@code o}
   * centred at {@code scale (o + 0.5)} ({@code scale = in / out}) takes the inputs within the filter's support (half
   * {@code interp} wide, times {@code scale} when shrinking), the filter read at {@code (j - centre + 0.5) / scale}
   * (unscaled when enlarging), the weights normalized to sum to 1.
   *
   * @return {@code [out][in]}, zeros outside the support
   */
  private static double[][] aaWeights(int in, int out, int interp) {
    double scale = (double) (float) ((float) in / out);
    double support = scale >= 1 ? interp * 0.5 * scale : interp * 0.5;
    double inverse = scale >= 1 ? 1 / scale : 1;
    double[][] weights = new double[out][in];
    for (int o = 0; o < out; o++) {
      double centre = scale * (o + 0.5);
      int from = Math.max((int) (centre - support + 0.5), 0);
      int to = Math.min((int) (centre + support + 0.5), in);
      double total = 0;
      for (int j = from; j < to; j++) {
        double t = Math.abs((j - centre + 0.5) * inverse);
        double weight = interp == 2 ? Math.max(0, 1 - t) : cubic(t);
        weights[o][j] = weight;
        total += weight;
      }
      if (total != 0) {
        for (int j = from; j < to; j++) {
          weights[o][j] /= total;
        }
      }
    }
    return weights;
  }

  /** Keys' cubic convolution kernel with {@link #AA_CUBIC_A} at distance {@code t >= 0}. */
  private static double cubic(double t) {
    double a = AA_CUBIC_A;
    if (t < 1) {
      return ((a + 2) * t - (a + 3)) * t * t + 1;
    }
    return t < 2 ? ((a * t - 5 * a) * t + 8 * a) * t - 4 * a : 0;
  }

  /** {@code out = wy x wx^T} for one plane: rows first, then columns. */
  private static void separable(float[] x, int in, int h, int w, float[] out, int at, double[][] wy, double[][] wx) {
    int height = wy.length;
    int width = wx.length;
    double[] rows = new double[h * width];
    for (int y = 0; y < h; y++) {
      for (int ox = 0; ox < width; ox++) {
        double sum = 0;
        for (int j = 0; j < w; j++) {
          sum += wx[ox][j] * x[in + y * w + j];
        }
        rows[y * width + ox] = sum;
      }
    }
    for (int oy = 0; oy < height; oy++) {
      for (int ox = 0; ox < width; ox++) {
        double sum = 0;
        for (int j = 0; j < h; j++) {
          sum += wy[oy][j] * rows[j * width + ox];
        }
        out[at + oy * width + ox] = (float) sum;
      }
    }
  }

  /** Each output sample reads the input at {@code (o + 0.5) * in / out - 0.5}, clamped at 0, between two neighbours. */
  private static void bilinear(float[] x, int in, int h, int w, float[] out, int at, int height, int width) {
    float scaleY = (float) h / height;
    float scaleX = (float) w / width;
    for (int oy = 0; oy < height; oy++) {
      float sy = Math.max((oy + 0.5f) * scaleY - 0.5f, 0f);
      int y0 = Math.min((int) sy, h - 1);
      int y1 = Math.min(y0 + 1, h - 1);
      float ly = sy - y0;
      for (int ox = 0; ox < width; ox++) {
        float sx = Math.max((ox + 0.5f) * scaleX - 0.5f, 0f);
        int x0 = Math.min((int) sx, w - 1);
        int x1 = Math.min(x0 + 1, w - 1);
        float lx = sx - x0;
        float top = x[in + y0 * w + x0] * (1 - lx) + x[in + y0 * w + x1] * lx;
        float bottom = x[in + y1 * w + x0] * (1 - lx) + x[in + y1 * w + x1] * lx;
        out[at + oy * width + ox] = top * (1 - ly) + bottom * ly;
      }
    }
  }

  /**
   * Keys' cubic convolution over four neighbours each way, at {@code (o + 0.5) * in / out - 0.5} (not clamped), the
   * neighbours' indices clamped to the input.
   */
  private static void bicubic(float[] x, int in, int h, int w, float[] out, int at, int height, int width) {
    float scaleY = (float) h / height;
    float scaleX = (float) w / width;
    float[] wy = new float[4];
    float[] wx = new float[4];
    for (int oy = 0; oy < height; oy++) {
      float sy = (oy + 0.5f) * scaleY - 0.5f;
      int iy = (int) Math.floor(sy);
      weights(sy - iy, wy);
      for (int ox = 0; ox < width; ox++) {
        float sx = (ox + 0.5f) * scaleX - 0.5f;
        int ix = (int) Math.floor(sx);
        weights(sx - ix, wx);
        float sum = 0;
        for (int j = 0; j < 4; j++) {
          int row = in + Math.clamp(iy - 1 + j, 0, h - 1) * w;
          float across = 0;
          for (int i = 0; i < 4; i++) {
            across += x[row + Math.clamp(ix - 1 + i, 0, w - 1)] * wx[i];
          }
          sum += across * wy[j];
        }
        out[at + oy * width + ox] = sum;
      }
    }
  }

  /** The four neighbours' weights at fraction {@code t} past the second. */
  private static void weights(float t, float[] into) {
    into[0] = far(t + 1);
    into[1] = near(t);
    into[2] = near(1 - t);
    into[3] = far(2 - t);
  }

  private static float near(float d) {
    return ((CUBIC_A + 2) * d - (CUBIC_A + 3)) * d * d + 1;
  }

  private static float far(float d) {
    return ((CUBIC_A * d - 5 * CUBIC_A) * d + 8 * CUBIC_A) * d - 4 * CUBIC_A;
  }
}
