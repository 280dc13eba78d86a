package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.DType;

/**
 * norms.cu's kernels on the CPU emulator, launched by {@link NormKernels} as the CUDA backend launches them, against
 * the reference ops: group norms cut into several chunks (so the statistics are merged) and into one, scalar and
 * vectorized; layer norms with rows in registers and element by element, including rows past the last full block.
 */
class EmulatedNormTest {
  private static final float EPS = 1e-5f;

  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void groupNorm(DType type) {
    try (HostRun run = new HostRun(type, "groupNorm")) {
      // n, channels, groups, spatial, aligned, chunks per group (NormKernels' cut)
      int[][] cases = {{2, 6, 3, 37 * 41, 1, 2}, {1, 4, 2, 2560, 1, 3}, {1, 4, 2, 2560, 0, 3}, {2, 8, 4, 7, 1, 1}};
      for (int[] c : cases) {
        int n = c[0];
        int channels = c[1];
        int groups = c[2];
        int spatial = c[3];
        boolean aligned = c[4] == 1;
        long groupsInBatch = (long) n * groups;
        long count = (long) channels / groups * spatial;
        assertEquals(c[5], NormKernels.groupSplits(groupsInBatch, count), "chunks per group");
        int size = n * channels * spatial;
        // Far from zero mean, so that merging the chunks' statistics must not cancel.
        float[] x = run.random(size, 1, 5);
        float[] gamma = run.random(channels);
        float[] beta = run.random(channels);
        long px = aligned ? run.put(x) : run.putMisaligned(x);
        for (boolean silu : new boolean[] {false, true}) {
          long y = aligned ? run.output(size) : run.outputMisaligned(size);
          long stats = run.scratchF32(2 * groupsInBatch * NormKernels.groupSplits(groupsInBatch, count));
          new NormKernels(run.launcher).groupNorm(px, run.put(gamma), run.put(beta), y, n, channels, spatial, groups,
              EPS, silu, stats);
          float[] want = run.host(run.ref.groupNorm(run.tensor(x, n, channels, spatial), groups,
              run.tensor(gamma, channels), run.tensor(beta, channels), EPS, silu));
          run.assertClose(want, run.get(y, size), n + " x " + channels + " x " + spatial + " in " + groups
              + " groups" + (aligned ? "" : ", misaligned") + (silu ? ", SiLU" : ""));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void layerNorm(DType type) {
    try (HostRun run = new HostRun(type, "layerNorm")) {
      int rows = 37;  // 8 rows per block: the last block's last three warps have no row
      for (int width : new int[] {200, 203, 1280, 1288}) {
        for (boolean aligned : new boolean[] {true, false}) {
          float[] x = run.random(rows * width, -1, 3);
          float[] gamma = run.random(width);
          float[] beta = run.random(width);
          long px = aligned ? run.put(x) : run.putMisaligned(x);
          long pg = run.put(gamma);
          long pb = run.put(beta);
          long y = aligned ? run.output(rows * width) : run.outputMisaligned(rows * width);
          assertEquals(aligned && width % 8 == 0 && width <= NormKernels.LAYER_VEC_MAX_WIDTH,
              NormKernels.layerVectorized(width, px, pg, pb, y));
          new NormKernels(run.launcher).layerNorm(px, pg, pb, y, rows, width, EPS);
          float[] want = run.host(run.ref.layerNorm(run.tensor(x, rows, width), run.tensor(gamma, width),
              run.tensor(beta, width), EPS));
          run.assertClose(want, run.get(y, rows * width), "width " + width + (aligned ? "" : ", misaligned"));
        }
      }
    }
  }
}
