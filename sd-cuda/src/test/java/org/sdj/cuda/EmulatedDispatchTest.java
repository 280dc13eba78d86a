package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.sdj.backend.DType;

/**
 * The CPU emulator itself: it finds kernels by name, refuses arguments that do not match a kernel's parameters, and
 * reports what a GPU would leave undefined (selftest.cu's kernels break one rule each) instead of returning garbage.
 */
class EmulatedDispatchTest {
  private static final int[] ONE = {1, 1, 1};

  private static EmulatedDispatch emu;

  @BeforeAll
  static void needsEmulator() {
    emu = EmulatedKernels.dispatch();
  }

  @Test
  void findsKernelsByTheirExternCNames() {
    assertTrue(emu.has("sdj_group_apply_bf16"));
    assertTrue(emu.has("sdj_cast_f32_to_f16"));
    assertFalse(emu.has("sdj_group_apply"));
    assertTrue(emu.has("sdj_flash_attention_f16_d64"));
    assertTrue(emu.has("sdj_flash_attention_wgmma_f16_d64"));
    var e = assertThrows(CudaException.class, () -> emu.launch("sdj_nothing", ONE, ONE, 0, new Object[0]));
    assertTrue(e.getMessage().contains("sdj_nothing"), e.getMessage());
  }

  @Test
  void refusesArgumentsOfTheWrongKindOrNumber() {
    // sdj_scale_f16(const __half* x, __half* y, float factor, long long n)
    var kind = assertThrows(IllegalArgumentException.class,
        () -> emu.launch("sdj_scale_f16", ONE, new int[] {32, 1, 1}, 0, new Object[] {0L, 0L, 1f, 5}));
    assertTrue(kind.getMessage().contains("parameter 3"), kind.getMessage());
    var count = assertThrows(IllegalArgumentException.class,
        () -> emu.launch("sdj_scale_f16", ONE, new int[] {32, 1, 1}, 0, new Object[] {0L, 0L, 1f}));
    assertTrue(count.getMessage().contains("takes 4"), count.getMessage());
  }

  @Test
  void emptyGridsLaunchNothing() {
    emu.launch("emu_selftest_shared_overrun", new int[] {0, 1, 1}, new int[] {32, 1, 1}, 0, new Object[] {0});
  }

  @Test
  void blockSumThroughSharedMemoryAndShuffles() {
    try (HostRun run = new HostRun(DType.F16, "blockSum")) {
      float[] x = new float[3 * 256];
      for (int i = 0; i < x.length; i++) {
        x[i] = i % 7;
      }
      long out = run.outputF32(3);
      emu.launch("emu_selftest_block_sum", new int[] {3, 1, 1}, new int[] {256, 1, 1}, 0,
          new Object[] {run.putF32(x), out});
      float[] want = new float[3];
      for (int i = 0; i < x.length; i++) {
        want[i / 256] += x[i];
      }
      assertArrayEquals(want, run.getF32(out, 3));
    }
  }

  /**
   * The polynomial 2^x of the attention kernels' FLAG_POLY_EXP (attention.cuh's ex2_fma, the same float
   * operations the GPU runs): within 8e-5 of 2^x relatively from -125 to 8, the exponents the softmax gives it
   * (at most 8 with stale maxima), every fraction of 1/64 and each side of every integer; below, down to -inf (a
   * masked score), at most 2^-125 and never negative or NaN.
   */
  @Test
  void polynomialExponentials() {
    try (HostRun run = new HostRun(DType.F16, "ex2Fma")) {
      int n = 150 * 64 + 5;
      float[] x = new float[n];
      for (int i = 0; i <= 150 * 64; i++) {
        x[i] = -142f + i / 64f;
      }
      x[n - 4] = Float.NEGATIVE_INFINITY;
      x[n - 3] = -1e30f;
      x[n - 2] = Math.nextDown(0f);
      x[n - 1] = Math.nextUp(-125.5f);
      long out = run.outputF32(n);
      emu.launch("emu_selftest_ex2_fma", new int[] {4, 1, 1}, new int[] {256, 1, 1}, 0,
          new Object[] {run.putF32(x), out, n});
      float[] y = run.getF32(out, n);
      for (int i = 0; i < n; i++) {
        String what = "2^" + x[i] + " = " + y[i];
        assertTrue(y[i] >= 0f, what);
        if (x[i] >= -125f) {
          assertTrue(Math.abs(y[i] / Math.pow(2, x[i]) - 1) <= 8e-5, what);
        } else {
          assertTrue(y[i] <= 0x1p-125f, what);
        }
      }
    }
  }

  @Test
  void reportsAShuffleFromALaneThatHasReturned() {
    try (HostRun run = new HostRun(DType.F16, "shuffle")) {
      long out = run.outputF32(32);
      var e = assertThrows(CudaException.class, () -> emu.launch("emu_selftest_shuffle_from_exited", ONE,
          new int[] {32, 1, 1}, 0, new Object[] {out}));
      assertTrue(e.getMessage().contains("has left the kernel"), e.getMessage());
    }
  }

  @Test
  void reportsWritesPastDynamicSharedMemory() {
    var e = assertThrows(CudaException.class, () -> emu.launch("emu_selftest_shared_overrun", new int[] {2, 1, 1},
        new int[] {64, 1, 1}, 64, new Object[] {16}));
    assertTrue(e.getMessage().contains("wrote past its dynamic shared memory"), e.getMessage());
    emu.launch("emu_selftest_shared_overrun", ONE, new int[] {64, 1, 1}, 68, new Object[] {16});
  }

  /** Modes of selftest.cu's emu_selftest_wgmma: A from registers, B transposed; broken rules. */
  private static final int REGISTERS = 8;
  private static final int TRANSPOSED = 16;
  private static final int NO_FENCE = 1;
  private static final int NO_WAIT = 2;
  private static final int READ_BEFORE_WAIT = 4;

  @Test
  void wgmmaMultipliesByThePtxFragmentLayouts() {
    for (int mode : new int[] {0, REGISTERS, TRANSPOSED, REGISTERS | TRANSPOSED}) {
      try (HostRun run = new HostRun(DType.F16, "wgmma" + mode)) {
        // Small integers: every product and sum is exact in float, so the order of the sums does not matter.
        float[] a = new float[64 * 16];
        float[] b = new float[16 * 16];
        for (int i = 0; i < a.length; i++) {
          a[i] = run.nextInt(7) - 3;
        }
        for (int i = 0; i < b.length; i++) {
          b[i] = run.nextInt(7) - 3;
        }
        float[] want = new float[64 * 16];
        for (int r = 0; r < 64; r++) {
          for (int c = 0; c < 16; c++) {
            for (int k = 0; k < 16; k++) {
              want[r * 16 + c] += a[r * 16 + k] * b[k * 16 + c];
            }
          }
        }
        assertArrayEquals(want, wgmma(run, a, b, mode), "mode " + mode);
      }
    }
  }

  @Test
  void wgmmaAccumulatorsReadAsNaNUntilTheWait() {
    try (HostRun run = new HostRun(DType.F16, "wgmmaEarly")) {
      for (float x : wgmma(run, new float[64 * 16], new float[16 * 16], READ_BEFORE_WAIT)) {
        assertTrue(Float.isNaN(x));
      }
    }
  }

  @Test
  void reportsWgmmaWithoutFenceOrWait() {
    try (HostRun run = new HostRun(DType.F16, "wgmmaRules")) {
      var fence = assertThrows(CudaException.class, () -> wgmma(run, new float[64 * 16], new float[256], NO_FENCE));
      assertTrue(fence.getMessage().contains("without a wgmma.fence"), fence.getMessage());
      var wait = assertThrows(CudaException.class, () -> wgmma(run, new float[64 * 16], new float[256], NO_WAIT));
      assertTrue(wait.getMessage().contains("in flight"), wait.getMessage());
    }
  }

  private static float[] wgmma(HostRun run, float[] a, float[] b, int mode) {
    long d = run.outputF32(64 * 16);
    emu.launch("emu_selftest_wgmma", ONE, new int[] {128, 1, 1}, 2560,
        new Object[] {run.put(a), run.put(b), d, mode});
    return run.getF32(d, 64 * 16);
  }

  @Test
  void mbarrierArrivalsCarryTheirCopies() {
    try (HostRun run = new HostRun(DType.F16, "mbarrier")) {
      float[] x = new float[32];
      for (int i = 0; i < x.length; i++) {
        x[i] = i + 0.5f;
      }
      assertArrayEquals(x, mbarrier(run, x, 0), "read after waiting on the barrier");
      for (float v : mbarrier(run, x, 1)) {
        assertTrue(Float.isNaN(v), "read without waiting: the copies have not landed");
      }
    }
  }

  @Test
  void reportsMisusedBarriers() {
    try (HostRun run = new HostRun(DType.F16, "mbarrierRules")) {
      var uninitialised = assertThrows(CudaException.class, () -> mbarrier(run, new float[32], 2));
      assertTrue(uninitialised.getMessage().contains("never initialised"), uninitialised.getMessage());
      var half = assertThrows(CudaException.class, () -> mbarrier(run, new float[32], 3));
      assertTrue(half.getMessage().contains("arrived at named barrier 1"), half.getMessage());
    }
  }

  /**
   * Clusters: the blocks of each run together, each with its own barriers, and reach each other's through mapa; a grid
   * that is not whole clusters wide is refused, as a GPU refuses it, and a rank the cluster lacks fails the launch.
   */
  @Test
  void runsClusters() {
    try (HostRun run = new HostRun(DType.F16, "clusters")) {
      long out = run.outputF32(4);
      emu.launch("emu_selftest_cluster", new int[] {4, 1, 1}, new int[] {64, 1, 1}, 2, 8, new Object[] {out, 0});
      assertArrayEquals(new float[] {2, 12, 2, 12}, run.getF32(out, 4), "10 * rank + blocks, per block");
      var odd = assertThrows(CudaException.class,
          () -> emu.launch("emu_selftest_cluster", new int[] {3, 1, 1}, new int[] {64, 1, 1}, 2, 8,
              new Object[] {out, 0}));
      assertTrue(odd.getMessage().contains("clusters of 2"), odd.getMessage());
      var rank = assertThrows(CudaException.class,
          () -> emu.launch("emu_selftest_cluster", new int[] {2, 1, 1}, new int[] {64, 1, 1}, 2, 8,
              new Object[] {out, 1}));
      assertTrue(rank.getMessage().contains("mapa"), rank.getMessage());
    }
  }

  private static float[] mbarrier(HostRun run, float[] in, int mode) {
    long out = run.outputF32(32);
    emu.launch("emu_selftest_mbarrier", ONE, new int[] {64, 1, 1}, 128, new Object[] {run.putF32(in), out, mode});
    return run.getF32(out, 32);
  }
}
