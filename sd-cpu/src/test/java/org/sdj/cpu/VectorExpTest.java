package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The vector exp of the softmax and SiLU against {@link Math#exp}, over the whole float range it serves. */
class VectorExpTest {

  @Test
  void staysWithinOneUlpAndUnderflowsToZero() {
    int n = 6000;
    float[] x = new float[n + 3];
    for (int i = 0; i < n; i++) {
      x[i] = -100f + i * (188.3f / n);
    }
    x[n] = Float.NEGATIVE_INFINITY;
    x[n + 1] = 0f;
    x[n + 2] = -87.3f;
    float[] y = x.clone();
    SimdProvider.get().exp(y, 0, y.length);
    double worst = 0;
    for (int i = 0; i < x.length; i++) {
      double want = Math.exp(x[i]);
      if (x[i] < -87.33f) {
        assertEquals(0f, y[i], "exp(" + x[i] + ")");
      } else {
        worst = Math.max(worst, Math.abs(y[i] - want) / Math.ulp((float) want));
      }
    }
    assertEquals(1f, y[n + 1]);
    assertTrue(worst < 1, "worst error " + worst + " ulp");
  }
}
