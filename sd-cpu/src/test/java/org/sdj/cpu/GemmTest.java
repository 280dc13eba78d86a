package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The blocked GEMM against a float64 loop at sizes that cross every block boundary (depth over {@code KC}, rows over
 * the inner row block, columns over a task's width, ragged edges), on both kernel implementations.
 */
class GemmTest extends PooledTest {
  /**
   * Wide outputs split by columns (A packed once for all tiles), tall ones by rows (A packed per tile, a block of rows
   * or a block of depth at a time); A also packed beforehand by the caller, as convolution weights are.
   */
  @ParameterizedTest
  @CsvSource({"true, false, 301, 1100, 600", "false, false, 301, 1100, 600", "true, false, 700, 90, 300",
      "false, false, 700, 90, 300", "true, true, 301, 1100, 600", "false, true, 700, 90, 300",
      // tall but too deep for a tile to pack its rows of A over the whole depth at once
      "true, false, 700, 90, 3000",
      // rows of C a multiple of 2 KiB apart: each panel of A meets all of B's panels in turn
      "true, false, 301, 1024, 600", "true, false, 700, 512, 300", "false, true, 77, 1536, 40"})
  void matchesAFloat64Product(boolean vector, boolean packed, int m, int n, int k) {
    Simd simd = vector ? SimdProvider.get() : SimdProvider.scalar();
    float[] a = gaussians(m * k, 3);
    float[] b = gaussians(k * n, 4);
    float[] c = new float[m * n];
    java.util.Arrays.fill(c, 1);
    Panels rows = Panels.rows(simd, a, 0, k);
    if (packed) {
      Gemm.multiplyAdd(simd, pool, n, PackedPanels.of(pool, rows, m, k, simd.mr()), Panels.columns(b, 0, n), c, 0, n);
    } else {
      Gemm.multiplyAdd(simd, pool, m, n, k, rows, Panels.columns(b, 0, n), c, 0, n);
    }
    assertProduct(a, b, 1, c, m, n, k);
  }

  /**
   * Storing instead of adding (the first depth block writes C): C is never read, so what it held (NaN here) leaves no
   * trace, on both schedules of a tile and at a depth of several blocks; with no depth at all C is zeroed.
   */
  @ParameterizedTest
  @CsvSource({"true, 301, 1100, 600", "false, 301, 1100, 600", "true, 700, 90, 300", "true, 700, 90, 3000",
      "false, 700, 90, 3000", "true, 33, 70, 0"})
  void storesAProductWithoutReadingC(boolean vector, int m, int n, int k) {
    Simd simd = vector ? SimdProvider.get() : SimdProvider.scalar();
    float[] a = gaussians(m * k, 5);
    float[] b = gaussians(k * n, 6);
    float[] c = new float[m * n];
    java.util.Arrays.fill(c, Float.NaN);
    Gemm.multiply(simd, pool, m, n, k, Panels.rows(simd, a, 0, k), Panels.columns(b, 0, n), c, 0, n);
    assertProduct(a, b, 0, c, m, n, k);
  }

  private static float[] gaussians(int n, long seed) {
    Random r = new Random(seed);
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) r.nextGaussian();
    }
    return x;
  }

  /** {@code c = initial + a b} within float32 rounding, by a float64 loop. */
  private static void assertProduct(float[] a, float[] b, double initial, float[] c, int m, int n, int k) {
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < n; j++) {
        double want = initial;
        for (int p = 0; p < k; p++) {
          want += (double) a[i * k + p] * b[p * n + j];
        }
        diff += (c[i * n + j] - want) * (c[i * n + j] - want);
        norm += want * want;
      }
    }
    double rel = k == 0 && initial == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    assertTrue(rel < 1e-6, "relative L2 error " + rel);
  }

  /** Bfloat16 widening on both paths, over lengths around the vector's and values of every kind. */
  @ParameterizedTest
  @CsvSource({"0", "1", "15", "16", "17", "33", "100"})
  void vectorBf16WideningMatchesTheLoop(int n) {
    short[] src = new short[n];
    float[] specials = {-0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, Float.MIN_VALUE * 1e6f, -3.5f};
    for (int i = 0; i < n; i++) {
      float v = i < specials.length ? specials[i] : (i - n / 2) * 1.25f;
      src[i] = (short) (Float.floatToRawIntBits(v) >>> 16);
    }
    float[] want = new float[n + 2];
    float[] got = new float[n + 2];
    SimdProvider.scalar().bf16ToFloat(src, n, want, 1);
    SimdProvider.get().bf16ToFloat(src, n, got, 1);
    assertArrayEquals(want, got);
    for (int i = 0; i < n; i++) {
      assertTrue(Float.floatToRawIntBits(want[i + 1]) == src[i] << 16, "element " + i);
    }
  }

  /**
   * Panels a vector wide or more, narrower than a vector (A's 8 rows in 16 lanes), ragged and with a depth that leaves
   * a tail: the vector transpose writes exactly what the element-by-element one does.
   */
  @ParameterizedTest
  @CsvSource({"8, 8, 1", "8, 8, 33", "8, 7, 33", "4, 4, 30", "16, 16, 5", "32, 32, 17", "32, 20, 17", "48, 48, 3",
      "3, 3, 11"})
  void vectorTransposeMatchesTheLoop(int width, int count, int kc) {
    int ld = kc + 5;
    float[] src = new float[count * ld + 2];
    for (int i = 0; i < src.length; i++) {
      src[i] = i;
    }
    float[] want = new float[kc * width + 3];
    float[] got = new float[kc * width + 3];
    java.util.Arrays.fill(want, -1);
    java.util.Arrays.fill(got, -1);
    Panels.transposeRows(src, 2, ld, count, kc, want, 1, width);
    SimdProvider.get().transpose(src, 2, ld, count, kc, got, 1, width);
    assertArrayEquals(want, got);
  }
}
