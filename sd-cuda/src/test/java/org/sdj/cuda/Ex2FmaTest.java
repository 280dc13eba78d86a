package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sdj.backend.DType;

/**
 * {@code ex2_fma} (attention.cuh), the polynomial 2^x that the wgmma kernels' softmax runs on the FMA units for a
 * share of its scores, on the CPU emulator against {@link Math#pow}: within its stated 8.6e-5 relative error over the
 * softmax's whole range, exactly 1 at 0 (a row's maximum), and a value under 2^-126 instead of NaN for -inf (masked
 * keys) and below. Bits the GPU may round otherwise: none, the helper is explicit fused multiply-adds and exact
 * additions.
 */
class Ex2FmaTest {
  private static final float SMALLEST_NORMAL = 0x1p-126f;

  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  private static float[] ex2Fma(float[] x) {
    try (HostRun run = new HostRun(DType.F16, "ex2Fma")) {
      long y = run.outputF32(x.length);
      EmulatedKernels.dispatch().launch("emu_selftest_ex2_fma", new int[] {Math.ceilDiv(x.length, 256), 1, 1},
          new int[] {256, 1, 1}, 0, new Object[] {run.putF32(x), y, x.length});
      return run.getF32(y, x.length);
    }
  }

  @Test
  void withinItsErrorBoundOverTheSoftmaxRange() {
    int n = 200_001;
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = -126f * i / (n - 1);  // 0 down to -126, every step of about 6.3e-4
    }
    float[] y = ex2Fma(x);
    double worst = 0;
    for (int i = 0; i < n; i++) {
      double want = Math.pow(2, x[i]);
      worst = Math.max(worst, Math.abs(y[i] - want) / want);
    }
    assertTrue(worst < 8.6e-5, "largest relative error " + worst);
    assertTrue(worst > 1e-6, "a polynomial, not the exact function: " + worst);
  }

  @Test
  void integersAndFractionsNearThem() {
    float[] x = new float[3 * 127];
    for (int j = 0; j < 127; j++) {
      x[3 * j] = -j;
      x[3 * j + 1] = Math.nextUp((float) -j);
      x[3 * j + 2] = Math.nextDown((float) -j);
    }
    float[] y = ex2Fma(x);
    for (int i = 0; i < x.length; i++) {
      double want = Math.pow(2, x[i]);
      if (want >= SMALLEST_NORMAL) {
        assertEquals(want, y[i], want * 8.6e-5, "2^" + x[i]);
      }
    }
    assertEquals(1f, y[0], "2^0, a row maximum's probability, exactly");
  }

  @Test
  void masksAndUnderflowsGiveNearlyNothing() {
    float[] x = {Float.NEGATIVE_INFINITY, -1e30f, -200f, -127.5f, -127f};
    float[] y = ex2Fma(x);
    for (int i = 0; i < x.length; i++) {
      assertTrue(y[i] >= 0 && y[i] < SMALLEST_NORMAL, "2^" + x[i] + " gave " + y[i]);
    }
  }
}
