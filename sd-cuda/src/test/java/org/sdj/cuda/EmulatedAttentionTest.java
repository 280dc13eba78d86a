package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.DType;

/**
 * attention_wide.cu's kernel (head sizes past the tensor-core kernels' 160) on the CPU emulator, launched by
 * {@link AttentionKernels} as the CUDA backend launches it, against the reference attention: several heads and batch
 * items, causal and not, more and fewer keys than queries (key tiles of 32 cut short, blocks of 4 rows with rows
 * missing). Packed projections read in place: EmulatedFlashAttentionTest, for both kernels.
 */
class EmulatedAttentionTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void separateQueriesKeysAndValues(DType type) {
    try (HostRun run = new HostRun(type, "attention")) {
      // batch, queries, keys, heads, head size, causal
      int[][] cases = {{2, 37, 37, 2, 200, 0}, {2, 37, 37, 2, 200, 1}, {1, 21, 45, 1, 512, 0}, {1, 13, 13, 1, 512, 1},
          {1, 6, 70, 1, 161, 0}};
      for (int[] c : cases) {
        int b = c[0];
        int nq = c[1];
        int nk = c[2];
        int heads = c[3];
        int d = c[4];
        boolean causal = c[5] == 1;
        assertEquals(-1, AttentionKernels.flashDim(d), "the wide kernel's head size");
        int width = heads * d;
        float scale = (float) (1 / Math.sqrt(d));
        float[] q = run.random(b * nq * width);
        float[] k = run.random(b * nk * width);
        float[] v = run.random(b * nk * width);
        long o = run.output(b * nq * width);
        new AttentionKernels(run.launcher, CudaOptions.Attention.MMA).attention(run.put(q), run.put(k), run.put(v), o,
            b, nq, nk, heads, d, width, width, scale, causal);
        float[] want = run.host(run.ref.attention(run.tensor(q, b, nq, width), run.tensor(k, b, nk, width),
            run.tensor(v, b, nk, width), heads, scale, causal));
        run.assertClose(want, run.get(o, b * nq * width), b + " x " + nq + " queries, " + nk + " keys, " + heads
            + " heads of " + d + (causal ? ", causal" : ""));
      }
    }
  }
}
