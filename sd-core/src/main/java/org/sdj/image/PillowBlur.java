package org.sdj.image;

/**
 * Pillow's {@code GaussianBlur(radius)} on 8-bit channels, bit for bit: three passes of its extended box blur (Gwosdek
 * et al.'s approximation of a Gaussian of standard deviation {@code radius}), each row and then each column, a box of
 * fractional radius with 24-bit fixed-point weights, the edges repeated past the picture's sides.
 */
final class PillowBlur {
  private static final int PASSES = 3;

  private PillowBlur() {}

  /** {@code pixels} ({@code width x height}, {@code 0xRRGGBB}) blurred as Pillow blurs an RGB or L image. */
  static int[] gaussian(int[] pixels, int width, int height, float radius) {
    int[] out = new int[pixels.length];
    for (int shift = 16; shift >= 0; shift -= 8) {
      int[] v = new int[pixels.length];
      for (int p = 0; p < pixels.length; p++) {
        v[p] = pixels[p] >>> shift & 0xFF;
      }
      v = channel(v, width, height, radius);
      for (int p = 0; p < out.length; p++) {
        out[p] |= v[p] << shift;
      }
    }
    return out;
  }

  /**
   * One band of bytes ({@code width x height}, row by row) blurred as Pillow blurs each band of any 8-bit image (its
   * bands never mix): a copy for radius 0.
   */
  static int[] channel(int[] band, int width, int height, float radius) {
    float box = boxRadius(radius);
    int[] v = band.clone();
    if (box == 0) {
      return v;
    }
    for (int pass = 0; pass < PASSES; pass++) {
      v = rows(v, width, height, box);
    }
    v = transpose(v, width, height);
    for (int pass = 0; pass < PASSES; pass++) {
      v = rows(v, height, width, box);
    }
    return transpose(v, height, width);
  }

  /** Pillow's {@code _gaussian_blur_radius}: the box radius of its passes for a Gaussian of {@code radius}, in float. */
  static float boxRadius(float radius) {
    float sigma2 = radius * radius / PASSES;
    float length = (float) Math.sqrt(12.0 * sigma2 + 1.0);
    float whole = (float) Math.floor((length - 1.0) / 2.0);
    float fraction = (2 * whole + 1) * (whole * (whole + 1) - 3 * sigma2);
    fraction /= 6 * (sigma2 - (whole + 1) * (whole + 1));
    return whole + fraction;
  }

  /** One horizontal pass of Pillow's box blur over every row. */
  private static int[] rows(int[] in, int width, int height, float floatRadius) {
    int radius = (int) floatRadius;
    long ww = (long) ((float) (1 << 24) / (floatRadius * 2 + 1));
    long fw = ((1L << 24) - (radius * 2L + 1) * ww) / 2;
    int edgeA = Math.min(radius + 1, width);
    int edgeB = Math.max(width - radius - 1, 0);
    int last = width - 1;
    int[] out = new int[in.length];
    for (int y = 0; y < height; y++) {
      int base = y * width;
      long acc = (long) in[base] * (radius + 1);
      for (int x = 0; x < edgeA - 1; x++) {
        acc += in[base + x];
      }
      acc += (long) in[base + last] * (radius - edgeA + 1);
      for (int x = 0; x <= last; x++) {
        // Pillow's three stretches, in both of its orders: the window's edges clamped to the row.
        int subtract = x < edgeA ? 0 : x - radius - 1;
        int add = x < edgeB ? x + radius : last;
        int far = x < edgeB ? x + radius + 1 : last;
        if (edgeA > edgeB && x >= edgeB && x < edgeA) {
          subtract = 0;
        }
        acc += in[base + add] - in[base + subtract];
        long bulk = acc * ww + (long) (in[base + subtract] + in[base + far]) * fw;
        out[base + x] = (int) ((bulk + (1L << 23)) >> 24);
      }
    }
    return out;
  }

  private static int[] transpose(int[] in, int width, int height) {
    int[] out = new int[in.length];
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        out[x * height + y] = in[y * width + x];
      }
    }
    return out;
  }
}
