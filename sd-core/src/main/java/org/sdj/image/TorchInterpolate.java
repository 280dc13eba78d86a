package org.sdj.image;

/**
 * torch's {@code interpolate(x, size=(height, width), mode=...)} on the CPU, corners not aligned and without
 * antialiasing, for {@code [N, C, h, w]} float arrays (latents): the modes AUTOMATIC1111's latent hires upscalers use.
 * Arithmetic in float, as torch's float kernels do.
 */
public final class TorchInterpolate {
  /** The cubic convolution's {@code A}, torch's (Keys' -0.75; Pillow's bicubic takes -0.5). */
  private static final float CUBIC_A = -0.75f;

  /** The modes. */
  public enum Mode { BILINEAR, BICUBIC, NEAREST, NEAREST_EXACT }

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
