package org.sdj.cpu;

/**
 * An operand of the GEMM as the packing step sees it: a grid of elements indexed by an outer index (a row of
 * {@code A}, a column of {@code B}) and a depth index (the dimension summed over). Implementations read floats from
 * arrays, weights in their file dtype, or an image through its convolution windows, and all of them write the same
 * packed panels.
 */
interface Panels {

  /**
   * Writes element {@code (o0 + i, k0 + p)} to {@code dst[dOff + p * width + i]} for {@code i < count},
   * {@code p < kc}, and zero for {@code count <= i < width}.
   */
  void pack(int o0, int count, int k0, int kc, int width, float[] dst, int dOff);

  /**
   * Whether packing costs about as much as multiplying what it packs (gathering convolution windows), so that a product
   * split into several row tiles should pack these columns once for all of them rather than once per tile. Not so for
   * copies and for weights: packing B once and sharing it made 512^3 slower (the tiles then read half of it from the
   * other core's cache) and larger products no faster.
   */
  default boolean costly() {
    return false;
  }

  /**
   * Element {@code (o, k)} at {@code data[off + o * ld + k]}: the rows of a row-major matrix, turned into panels by
   * {@code simd}.
   */
  static Panels rows(Simd simd, float[] data, int off, int ld) {
    return (o0, count, k0, kc, width, dst, dOff) -> simd.transpose(data, off + o0 * ld + k0, ld, count, kc, dst, dOff,
        width);
  }

  /**
   * {@code dst[dOff + p * width + i] = src[sOff + i * ld + p]} for {@code i < count}, {@code p < kc}, and zero for
   * {@code count <= i < width}: {@code count} rows laid side by side as a depth-major panel, element by element
   * ({@link Simd#transpose} may do it faster).
   */
  static void transposeRows(float[] src, int sOff, int ld, int count, int kc, float[] dst, int dOff, int width) {
    for (int i = 0; i < count; i++) {
      for (int p = 0; p < kc; p++) {
        dst[dOff + p * width + i] = src[sOff + i * ld + p];
      }
    }
    zeroTail(count, kc, width, dst, dOff);
  }

  /** Element {@code (o, k)} at {@code data[off + k * ld + o]}: the columns of a row-major matrix. */
  static Panels columns(float[] data, int off, int ld) {
    return (o0, count, k0, kc, width, dst, dOff) -> {
      for (int p = 0; p < kc; p++) {
        System.arraycopy(data, off + (k0 + p) * ld + o0, dst, dOff + p * width, count);
      }
      zeroTail(count, kc, width, dst, dOff);
    };
  }

  /** Zeroes the padding columns {@code count <= i < width} of a packed panel. */
  static void zeroTail(int count, int kc, int width, float[] dst, int dOff) {
    if (count < width) {
      for (int p = 0; p < kc; p++) {
        int row = dOff + p * width;
        java.util.Arrays.fill(dst, row + count, row + width, 0f);
      }
    }
  }
}
