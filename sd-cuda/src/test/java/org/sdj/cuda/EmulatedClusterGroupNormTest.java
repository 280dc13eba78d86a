package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * {@link ClusterGroupNorm}'s one-kernel channels-last group norm on the CPU emulator (clusters of 8 blocks, each with
 * its own shared memory, loads from another block's, cluster barriers), launched as {@link NormKernels} launches it,
 * against the reference ops: groups that 8-channel vectors straddle, several slices per sample, fewer pixels than
 * blocks (empty blocks), a last block shorter than the rest, blocks tall enough to add their rows' partials in several
 * runs; and the same bits on every run.
 */
class EmulatedClusterGroupNormTest {
  private static final float EPS = 1e-5f;

  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void matchesTheReference(DType type) {
    try (HostRun run = new HostRun(type, "clusterGroupNorm")) {
      NormKernels norms = new NormKernels(run.launcher, Long.MAX_VALUE);
      // n, channels, groups, height, width, slices per sample
      int[][] cases = {{1, 80, 8, 4, 4, 2}, {2, 16, 8, 5, 5, 2}, {1, 24, 4, 1, 5, 1}, {1, 48, 16, 9, 7, 2},
          {2, 32, 2, 3, 11, 2}, {1, 16, 4, 20, 20, 2}};
      for (int[] c : cases) {
        int n = c[0];
        int channels = c[1];
        int groups = c[2];
        int pixels = c[3] * c[4];
        int size = n * channels * pixels;
        float[] x = run.random(size, 1, 5);
        float[] gamma = run.random(channels);
        float[] beta = run.random(channels);
        long px = run.put(EmulatedChannelsLastTest.toNhwc(x, n, channels, pixels));
        for (boolean silu : new boolean[] {false, true}) {
          long y = run.output(size);
          ClusterGroupNorm.Cut cut = ClusterGroupNorm.Cut.of(n, channels, pixels, groups, px, y).orElseThrow();
          assertEquals(c[5], channels / cut.slice(), "slices per sample");
          norms.groupNormNhwc(px, run.put(gamma), run.put(beta), y, n, channels, pixels, groups, EPS, silu, 0L);
          float[] want = run.host(run.ref.groupNorm(run.tensor(x, n, channels, c[3], c[4]), groups,
              run.tensor(gamma, channels), run.tensor(beta, channels), EPS, silu));
          run.assertClose(EmulatedChannelsLastTest.toNhwc(want, n, channels, pixels), run.get(y, size),
              n + " x " + channels + " x " + c[3] + "x" + c[4] + " in " + groups + " groups" + (silu ? ", SiLU" : ""));
        }
      }
    }
  }

  /**
   * Data whose mean is large against its spread (50 +- 0.25), where moments merged carelessly (E[x^2] - E[x]^2, or
   * sums of n_k * mean_k) lose the variance: each block's moments about its own mean, merged about the first block's.
   */
  @Test
  void keepsTheVarianceOfDataFarFromZero() {
    try (HostRun run = new HostRun(DType.F16, "clusterGroupNormFarMean")) {
      int channels = 32;
      int pixels = 15 * 13;
      float[] x = run.random(channels * pixels, 49.75f, 50.25f);
      float[] gamma = run.random(channels);
      float[] beta = run.random(channels);
      long y = run.output(x.length);
      long nhwc = run.put(EmulatedChannelsLastTest.toNhwc(x, 1, channels, pixels));
      new NormKernels(run.launcher, Long.MAX_VALUE).groupNormNhwc(nhwc, run.put(gamma), run.put(beta), y, 1, channels,
          pixels, 4, EPS, false, 0L);
      float[] want = run.host(run.ref.groupNorm(run.tensor(x, 1, channels, 15, 13), 4, run.tensor(gamma, channels),
          run.tensor(beta, channels), EPS, false));
      run.assertClose(EmulatedChannelsLastTest.toNhwc(want, 1, channels, pixels), run.get(y, x.length),
          "[1, 32, 15, 13] of 50 +- 0.25 in 4 groups");
    }
  }

  /**
   * Through the backend's ops with {@link NormKernels#CLUSTER_PROPERTY} set to 36 pixels, as a UNet's ResnetBlock2D
   * calls it: a channels-last image in, a channels-last result out, the reference's values; in one kernel at 6x6, in
   * the three kernels at 7x7.
   */
  @Test
  void runsAsTheBackendsGroupNormUpToItsPixels() {
    try (HostRun run = new HostRun(DType.F16, "clusterGroupNormOps");
        CudaBackend backend = CudaTestSupport.withProperty(NormKernels.CLUSTER_PROPERTY, "36",
            () -> HostDevice.backend(CudaOptions.defaults().withChannelsLast(true)));
        Ops ops = backend.ops()) {
      int channels = 64;
      String kernel = ClusterGroupNorm.kernel("_f16");
      for (int side : new int[] {6, 7}) {
        float[] x = run.random(2 * channels * side * side, -3, 4);
        float[] gamma = run.random(channels);
        float[] beta = run.random(channels);
        Tensor xt = ops.fromHost(x, 2, channels, side, side);
        assertTrue(((DeviceTensor) xt).channelsLast(), "uploaded channels-last");
        long launches = EmulatedKernels.dispatch().launches(kernel);
        Tensor y = ops.groupNorm(xt, 8, ops.fromHost(gamma, channels), ops.fromHost(beta, channels), EPS, true);
        assertEquals(launches + (side == 6 ? 1 : 0), EmulatedKernels.dispatch().launches(kernel),
            "launches of " + kernel + " at " + side + "x" + side);
        assertTrue(((DeviceTensor) y).channelsLast(), "a channels-last result");
        float[] want = run.host(run.ref.groupNorm(run.tensor(x, 2, channels, side, side), 8,
            run.tensor(gamma, channels), run.tensor(beta, channels), EPS, true));
        run.assertClose(want, ops.toHost(y), "[2, 64, " + side + ", " + side + "] in 8 groups, SiLU");
      }
    }
  }

  /** The cluster's blocks merge their moments in rank order, so a run repeats its bits exactly. */
  @Test
  void isRepeatable() {
    try (HostRun run = new HostRun(DType.F16, "clusterGroupNormRepeat")) {
      NormKernels norms = new NormKernels(run.launcher, Long.MAX_VALUE);
      int n = 2;
      int channels = 96;
      int groups = 8;
      int pixels = 12 * 12;
      int size = n * channels * pixels;
      long px = run.put(run.random(size, 1, 5));
      long pg = run.put(run.random(channels));
      long pb = run.put(run.random(channels));
      float[] first = null;
      for (int k = 0; k < 3; k++) {
        long y = run.output(size);
        assertTrue(ClusterGroupNorm.Cut.of(n, channels, pixels, groups, px, y).isPresent());
        norms.groupNormNhwc(px, pg, pb, y, n, channels, pixels, groups, EPS, true, 0L);
        float[] got = run.get(y, size);
        if (first == null) {
          first = got;
        } else {
          assertArrayEquals(first, got, "run " + k + " against run 0");
        }
      }
    }
  }
}
