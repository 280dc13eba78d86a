package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The host references of the FlashAttention rule: float16 emulation is close to exact but measurably not equal. */
class NaiveAttentionTest {
  @Test
  void fp16EmulationErrsAtFloat16Scale() {
    Random r = new Random(7);
    int n = 70;
    int m = 90;
    int d = 40;
    float[] q = half(r, n * d);
    float[] k = half(r, m * d);
    float[] v = half(r, m * d);
    for (boolean causal : new boolean[] {false, true}) {
      double[] exact = NaiveAttention.exact(q, k, v, n, m, d, (float) (1 / Math.sqrt(d)), causal);
      double[] naive = NaiveAttention.fp16(q, k, v, n, m, d, (float) (1 / Math.sqrt(d)), causal);
      double err = NaiveAttention.relativeError(naive, exact);
      assertTrue(err > 1e-5 && err < 3e-3, "naive fp16 error " + err);
    }
  }

  static float[] half(Random r, int count) {
    float[] x = new float[count];
    for (int i = 0; i < count; i++) {
      x[i] = NaiveAttention.round((float) r.nextGaussian());
    }
    return x;
  }
}
