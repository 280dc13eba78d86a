package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sdj.backend.Conv2dParams;

/**
 * The Winograd convolution against a float64 direct convolution, called directly (not through {@link
 * WinogradConv#applies}) so that odd sizes are covered: odd heights and widths (a ragged last tile row and column),
 * channel counts that are not multiples of the micro-kernel's rows or of the depth block, a last task with a partial
 * panel, paddings 0, 1 and 2 and asymmetric ones, on both kernel implementations.
 */
class WinogradConvTest extends PooledTest {
  @ParameterizedTest
  @CsvSource({
      // vector, n, c, h, w, o, padTop, padBottom, padLeft, padRight
      "true, 2, 13, 9, 7, 11, 1, 1, 1, 1", "false, 2, 13, 9, 7, 11, 1, 1, 1, 1",
      "true, 1, 3, 1, 1, 5, 1, 1, 1, 1", "true, 1, 300, 12, 10, 9, 1, 1, 1, 1",
      "true, 1, 17, 8, 8, 21, 0, 0, 0, 0", "true, 1, 17, 5, 6, 21, 2, 2, 2, 2", "true, 3, 5, 11, 13, 7, 0, 1, 1, 0",
      "true, 1, 8, 40, 33, 8, 1, 1, 1, 1", "false, 1, 8, 40, 33, 8, 1, 1, 1, 1"})
  void matchesAFloat64Convolution(boolean vector, int n, int c, int h, int w, int o, int pt, int pb, int pl, int pr) {
    Simd simd = vector ? SimdProvider.get() : SimdProvider.scalar();
    Conv2dParams p = new Conv2dParams(1, pt, pb, pl, pr);
    int oh = h + pt + pb - 2;
    int ow = w + pl + pr - 2;
    Conv2d.Shape s = new Conv2d.Shape(n, c, h, w, o, 3, 3, oh, ow);
    Random r = new Random(5);
    float[] x = normal(r, n * c * h * w);
    float[] wt = normal(r, o * c * 9);
    float[] y = normal(r, n * o * oh * ow);
    double[] want = new double[y.length];
    for (int i = 0; i < y.length; i++) {
      want[i] = y[i];
    }
    for (int b = 0; b < n; b++) {
      for (int oc = 0; oc < o; oc++) {
        for (int oy = 0; oy < oh; oy++) {
          for (int ox = 0; ox < ow; ox++) {
            double sum = 0;
            for (int ic = 0; ic < c; ic++) {
              for (int ky = 0; ky < 3; ky++) {
                for (int kx = 0; kx < 3; kx++) {
                  int iy = oy - pt + ky;
                  int ix = ox - pl + kx;
                  if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
                    sum += (double) x[((b * c + ic) * h + iy) * w + ix] * wt[(oc * c + ic) * 9 + ky * 3 + kx];
                  }
                }
              }
            }
            want[((b * o + oc) * oh + oy) * ow + ox] += sum;
          }
        }
      }
    }
    WinogradConv.apply(simd, pool, x, Panels.rows(simd, wt, 0, c * 9), p, s, y);
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < y.length; i++) {
      diff += (y[i] - want[i]) * (y[i] - want[i]);
      norm += want[i] * want[i];
    }
    double rel = Math.sqrt(diff / norm);
    assertTrue(rel < 1e-6, "relative L2 error " + rel);
  }

  private static float[] normal(Random r, int count) {
    float[] v = new float[count];
    for (int i = 0; i < count; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }
}
