package org.sdj.backend.reference;

/** Copies that rearrange elements without arithmetic. */
final class Layout {
  private Layout() {}

  /** The product of all dimensions but the last: the number of rows of a {@code [..., D]} tensor. */
  static long leading(long[] shape) {
    long n = 1;
    for (int i = 0; i < shape.length - 1; i++) {
      n *= shape[i];
    }
    return n;
  }

  /** Product of {@code shape[from..to)}. */
  static int product(long[] shape, int from, int to) {
    long n = 1;
    for (int i = from; i < to; i++) {
      n *= shape[i];
    }
    return (int) n;
  }

  static void narrow(float[] x, long[] shape, int dim, int start, float[] y) {
    int outer = product(shape, 0, dim);
    int inner = product(shape, dim + 1, shape.length);
    int size = (int) shape[dim];
    int block = y.length / Math.max(1, outer);
    for (int o = 0; o < outer; o++) {
      System.arraycopy(x, (o * size + start) * inner, y, o * block, block);
    }
  }

  static void concat(float[] a, long[] sa, float[] b, long[] sb, int dim, float[] y) {
    int outer = product(sa, 0, dim);
    int blockA = product(sa, dim, sa.length);
    int blockB = product(sb, dim, sb.length);
    for (int o = 0; o < outer; o++) {
      System.arraycopy(a, o * blockA, y, o * (blockA + blockB), blockA);
      System.arraycopy(b, o * blockB, y, o * (blockA + blockB) + blockA, blockB);
    }
  }

  /** {@code [n, rows, cols] -> [n, cols, rows]}. */
  static void transposeInner(float[] x, int n, int rows, int cols, float[] y) {
    for (int b = 0; b < n; b++) {
      int base = b * rows * cols;
      for (int r = 0; r < rows; r++) {
        for (int c = 0; c < cols; c++) {
          y[base + c * rows + r] = x[base + r * cols + c];
        }
      }
    }
  }

  static void upsampleNearest(float[] x, long[] shape, int height, int width, float[] y) {
    upsampleNearest(x, shape, height, width, y, 0, (int) (shape[0] * shape[1]));
  }

  /** {@link #upsampleNearest} of planes {@code p0 .. p1} (of {@code N * C}) only. */
  static void upsampleNearest(float[] x, long[] shape, int height, int width, float[] y, int p0, int p1) {
    int h = (int) shape[2];
    int w = (int) shape[3];
    int[] cols = new int[width];
    for (int ox = 0; ox < width; ox++) {
      cols[ox] = nearestSource(ox, w, width);
    }
    for (int p = p0; p < p1; p++) {
      for (int oy = 0; oy < height; oy++) {
        int row = (p * h + nearestSource(oy, h, height)) * w;
        int dst = (p * height + oy) * width;
        for (int ox = 0; ox < width; ox++) {
          y[dst + ox] = x[row + cols[ox]];
        }
      }
    }
  }

  /**
   * Torch's "nearest" source index: {@code floor(dst * scale)} with the scale {@code in / out} rounded to float, as
   * torch computes it, clamped to the last input element.
   */
  static int nearestSource(int dst, int in, int out) {
    float scale = (float) in / out;
    return (int) Math.min((long) Math.floor(dst * scale), in - 1);
  }
}
