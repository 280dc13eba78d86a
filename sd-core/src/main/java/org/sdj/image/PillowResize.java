package org.sdj.image;

/**
 * Resizes packed {@code 0xRRGGBB} pixels as Pillow's {@code Image.resize(size, filter)} does on an RGB image, bit for
 * bit: the same filter support (widened by the scale when shrinking), the same 22-bit fixed-point coefficients, and a
 * horizontal pass rounded to 8 bits before the vertical pass.
 */
final class PillowResize {
  private static final int PRECISION_BITS = 32 - 8 - 2;

  /** Pillow's resampling filters that sdj needs, each with its support at scale 1. */
  enum Filter {
    /** {@code Image.LANCZOS}: a windowed sinc over three lobes. */
    LANCZOS(3.0) {
      @Override
      double weight(double x) {
        return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
      }
    },
    /**
     * {@code Image.BICUBIC}: Keys' cubic convolution with {@code a = -0.5}, {@code (a + 2)|x|^3 - (a + 3)|x|^2 + 1}
     * within 1, {@code a(|x|^3 - 5|x|^2 + 8|x| - 4)} within 2, in Pillow's order of operations.
     */
    BICUBIC(2.0) {
      @Override
      double weight(double x) {
        double ax = Math.abs(x);
        if (ax < 1.0) {
          return (1.5 * ax - 2.5) * ax * ax + 1.0;
        }
        return ax < 2.0 ? (((ax - 5.0) * ax + 8.0) * ax - 4.0) * -0.5 : 0.0;
      }
    };

    private final double support;

    Filter(double support) {
      this.support = support;
    }

    abstract double weight(double x);
  }

  private PillowResize() {}

  /** {@code pixels} ({@code width x height}) resized to {@code newWidth x newHeight} with {@code filter}. */
  static int[] resize(int[] pixels, int width, int height, int newWidth, int newHeight, Filter filter) {
    return resize(pixels, width, height, newWidth, newHeight, filter, 0, 0, width, height);
  }

  /**
   * The source region {@code (x0, y0)-(x1, y1)} of {@code pixels} ({@code width x height}) resized to {@code newWidth
   * x newHeight}, as Pillow's {@code resize(size, filter, box)}: the filter centered within the box, reading pixels
   * outside it where its support reaches (so an empty box, which Pillow allows, stretches the rows or columns at its
   * edge).
   */
  static int[] resize(int[] pixels, int width, int height, int newWidth, int newHeight, Filter filter, double x0,
      double y0, double x1, double y1) {
    if (x0 < 0 || y0 < 0 || x1 > width || y1 > height || x1 < x0 || y1 < y0) {
      throw new IllegalArgumentException("box (" + x0 + ", " + y0 + ", " + x1 + ", " + y1 + ") is not within the "
          + width + "x" + height + " image");
    }
    Coefficients rows = new Coefficients(height, y0, y1, newHeight, filter);
    int[] out = pixels;
    int outWidth = width;
    int firstRow = 0;
    if (newWidth != width || x0 != 0 || x1 != width) {
      // Like Pillow, the horizontal pass only covers the source rows the vertical pass will read.
      firstRow = rows.start[0];
      int rowCount = rows.start[newHeight - 1] + rows.count[newHeight - 1] - firstRow;
      out = horizontal(pixels, width, firstRow, rowCount, new Coefficients(width, x0, x1, newWidth, filter));
      outWidth = newWidth;
    }
    if (newHeight != height || y0 != 0 || y1 != height) {
      out = vertical(out, outWidth, firstRow, rows);
    }
    return out;
  }

  private static int[] horizontal(int[] in, int width, int firstRow, int rowCount, Coefficients c) {
    int newWidth = c.start.length;
    int[] out = new int[newWidth * rowCount];
    for (int y = 0; y < rowCount; y++) {
      int rowBase = (y + firstRow) * width;
      for (int x = 0; x < newWidth; x++) {
        out[y * newWidth + x] = filter(in, rowBase + c.start[x], 1, c.weights[x], c.count[x]);
      }
    }
    return out;
  }

  private static int[] vertical(int[] in, int width, int firstRow, Coefficients c) {
    int newHeight = c.start.length;
    int[] out = new int[width * newHeight];
    for (int y = 0; y < newHeight; y++) {
      int base = (c.start[y] - firstRow) * width;
      for (int x = 0; x < width; x++) {
        out[y * width + x] = filter(in, base + x, width, c.weights[y], c.count[y]);
      }
    }
    return out;
  }

  /** One output pixel: the weighted sum of {@code count} pixels {@code stride} apart, rounded and clipped. */
  private static int filter(int[] in, int first, int stride, int[] weights, int count) {
    int r = 1 << (PRECISION_BITS - 1);
    int g = r;
    int b = r;
    for (int k = 0; k < count; k++) {
      int p = in[first + k * stride];
      int w = weights[k];
      r += (p >>> 16 & 0xFF) * w;
      g += (p >>> 8 & 0xFF) * w;
      b += (p & 0xFF) * w;
    }
    return clip8(r) << 16 | clip8(g) << 8 | clip8(b);
  }

  private static int clip8(int sum) {
    return Math.clamp(sum >> PRECISION_BITS, 0, 255);
  }

  private static double sinc(double x) {
    if (x == 0.0) {
      return 1.0;
    }
    double px = x * Math.PI;
    return Math.sin(px) / px;
  }

  /** For each output index: the first input index, how many inputs it reads, and their fixed-point weights. */
  private static final class Coefficients {
    final int[] start;
    final int[] count;
    final int[][] weights;

    /** For the input range {@code [in0, in1)} of {@code inSize} inputs stretched over {@code outSize} outputs. */
    Coefficients(int inSize, double in0, double in1, int outSize, Filter filter) {
      start = new int[outSize];
      count = new int[outSize];
      weights = new int[outSize][];
      double scale = (in1 - in0) / outSize;
      double filterScale = Math.max(scale, 1.0);
      double support = filter.support * filterScale;
      double invScale = 1.0 / filterScale;
      for (int i = 0; i < outSize; i++) {
        double center = in0 + (i + 0.5) * scale;
        int min = Math.max((int) (center - support + 0.5), 0);
        int max = Math.min((int) (center + support + 0.5), inSize);
        double[] w = new double[max - min];
        double sum = 0.0;
        for (int k = 0; k < w.length; k++) {
          w[k] = filter.weight((k + min - center + 0.5) * invScale);
          sum += w[k];
        }
        int[] fixed = new int[w.length];
        for (int k = 0; k < w.length; k++) {
          double normalized = sum != 0.0 ? w[k] / sum : w[k];
          fixed[k] = (int) (normalized < 0 ? -0.5 + normalized * (1 << PRECISION_BITS)
              : 0.5 + normalized * (1 << PRECISION_BITS));
        }
        start[i] = min;
        count[i] = w.length;
        weights[i] = fixed;
      }
    }
  }
}
