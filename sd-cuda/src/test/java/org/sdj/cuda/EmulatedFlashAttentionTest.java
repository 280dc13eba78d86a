package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.DType;

/**
 * flash_attention.cu's tensor-core kernels (mma.sync, ldmatrix, cp.async, each modelled by the CPU emulator) launched
 * by {@link AttentionKernels} as the CUDA backend launches them, against the reference attention: every padded head
 * size in float16 and bfloat16, causal and not, more and fewer keys than queries, row counts that cut the 128-row
 * blocks and the key tiles short, several batch items and heads, q, k and v read in place from packed projections,
 * the plain-load path (head sizes that are not a multiple of 8, a misaligned head), a negative scale and the trap on
 * too little dynamic shared memory. Float16 results also keep
 * FlashAttention's accuracy rule (at most twice the error of a naive float16 attention against a float64 one), as
 * FlashAttentionRuleTest states it on a GPU.
 */
class EmulatedFlashAttentionTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  /** batch, queries, keys, heads, head size, causal: one case per padded head size, each cutting some tile short. */
  private static final int[][] HEAD_SIZES = {{1, 77, 45, 1, 8, 0}, {1, 33, 70, 1, 32, 1}, {2, 130, 77, 2, 40, 0},
      {1, 77, 77, 1, 64, 1}, {1, 45, 130, 1, 80, 0}, {1, 77, 33, 1, 96, 1}, {1, 40, 77, 1, 128, 1},
      {1, 77, 50, 1, 160, 0}};

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void everyPaddedHeadSize(DType type) {
    try (HostRun run = new HostRun(type, "flashHeadSizes")) {
      for (int[] c : HEAD_SIZES) {
        check(run, c[0], c[1], c[2], c[3], c[4], c[5] == 1, (float) (1 / Math.sqrt(c[4])), false);
      }
    }
  }

  /**
   * Scores at eight times the usual scale, over enough keys for several tiles: rows whose scores climb by more than
   * RESCALE_SLACK past their first tiles take a new maximum mid-row (next_maximum's stale maxima), causal and not, in
   * both storage types.
   */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void largeScores(DType type) {
    try (HostRun run = new HostRun(type, "flashLarge")) {
      for (int d : new int[] {40, 64, 160}) {
        check(run, 1, 150, 200, 1, d, d != 64, (float) (8 / Math.sqrt(d)), false);
      }
    }
  }

  /** Head sizes that are not a multiple of 8 take plain element loads instead of cp.async. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void plainLoadsWhereHeadsAreNotVectors(DType type) {
    try (HostRun run = new HostRun(type, "flashPlain")) {
      check(run, 2, 37, 29, 2, 20, false, 0.2f, false);
      check(run, 1, 50, 50, 1, 36, true, 0.15f, false);
      check(run, 1, 21, 40, 1, 100, false, 0.1f, false);
    }
  }

  /** Queries 2 bytes past a 16-byte boundary: no head of them is a 16-byte vector, so none may go through cp.async. */
  @Test
  void misalignedQueries() {
    try (HostRun run = new HostRun(DType.F16, "flashMisaligned")) {
      check(run, 1, 40, 45, 2, 64, false, 0.125f, true);
      check(run, 1, 40, 45, 1, 128, true, 0.09f, true);
    }
  }

  /** A negative scale: the kernel negates the queries, held in registers (d 64) or in a resident tile (d 128). */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void negativeScale(DType type) {
    try (HostRun run = new HostRun(type, "flashNegative")) {
      check(run, 1, 50, 40, 1, 64, false, -0.2f, false);
      check(run, 1, 50, 40, 1, 128, true, -0.1f, false);
    }
  }

  /** The head sizes whose tiles are dynamic shared memory refuse to run on less than they need, as on a GPU. */
  @Test
  void trapsOnTooLittleDynamicSharedMemory() {
    try (HostRun run = new HostRun(DType.F16, "flashTrap")) {
      int n = 16;
      int d = 128;
      long x = run.put(run.random(n * d));
      long o = run.output(n * d);
      CudaException e = assertThrows(CudaException.class, () -> run.launcher.raw("sdj_flash_attention_f16_d" + d,
          new int[] {1, 1, 1}, new int[] {128, 1, 1}, AttentionKernels.flashSharedBytes(d) - 16, x, x, x, o, n, n, 1,
          d, d, d, 0.1f, 0));
      assertTrue(e.getMessage().contains("__trap"), e.getMessage());
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void packedSelfAttentionReadsInPlace(DType type) {
    try (HostRun run = new HostRun(type, "flashSelf")) {
      int b = 2;
      int n = 37;
      int heads = 2;
      // The tensor-core kernel, and beyond its largest head the CUDA-core one (attention_wide.cu).
      for (int d : new int[] {40, 168}) {
        int width = heads * d;
        float scale = (float) (1 / Math.sqrt(d));
        float[] qkv = run.random(b * n * 3 * width);
        long p = run.put(qkv);
        long bytes = 2L * width;
        for (boolean causal : new boolean[] {false, true}) {
          long o = run.output(b * n * width);
          new AttentionKernels(run.launcher, CudaOptions.Attention.MMA).attention(p, p + bytes, p + 2 * bytes, o, b, n,
              n, heads, d, 3 * width, 3 * width, scale, causal);
          float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, b, n, 3 * width), heads, scale, causal));
          run.assertClose(want, run.get(o, b * n * width), "packed self-attention, d " + d
              + (causal ? ", causal" : ""));
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void packedKeysAndValuesReadInPlace(DType type) {
    try (HostRun run = new HostRun(type, "flashCross")) {
      int b = 2;
      int nq = 45;
      int nk = 77;
      int heads = 2;
      int d = 64;
      int width = heads * d;
      float scale = (float) (1 / Math.sqrt(d));
      float[] q = run.random(b * nq * width);
      float[] kv = run.random(b * nk * 2 * width);
      long p = run.put(kv);
      long o = run.output(b * nq * width);
      new AttentionKernels(run.launcher, CudaOptions.Attention.MMA).attention(run.put(q), p, p + 2L * width, o, b, nq,
          nk, heads, d, width, 2 * width, scale, false);
      float[] want = run.host(run.ref.crossAttention(run.tensor(q, b, nq, width), run.tensor(kv, b, nk, 2 * width),
          heads, scale));
      run.assertClose(want, run.get(o, b * nq * width), "packed keys and values");
    }
  }

  /**
   * {@code o = attention(q, k, v)} on the flash kernel for d against the reference; q misaligned where asked. Float16
   * results of one batch item also meet FlashAttention's rule per head.
   */
  private static void check(HostRun run, int b, int nq, int nk, int heads, int d, boolean causal, float scale,
      boolean misalignedQ) {
    check(run, CudaOptions.Attention.MMA, b, nq, nk, heads, d, causal, scale, misalignedQ);
  }

  /** {@link #check} on {@code kernel}, which must have d's size. */
  static void check(HostRun run, CudaOptions.Attention kernel, int b, int nq, int nk, int heads, int d,
      boolean causal, float scale, boolean misalignedQ) {
    AttentionKernels kernels = new AttentionKernels(run.launcher, kernel);
    assertEquals(kernel, kernels.kernel(), kernel + " is in the emulator");
    check(run, kernels, b, nq, nk, heads, d, causal, scale, misalignedQ);
  }

  /** {@link #check} through {@code kernels} (a kernel and its options), whose kernel must have d's size. */
  static void check(HostRun run, AttentionKernels kernels, int b, int nq, int nk, int heads, int d, boolean causal,
      float scale, boolean misalignedQ) {
    assertTrue(AttentionKernels.flashDim(d) > 0, "d " + d + " is a tensor-core head size");
    CudaOptions.Attention kernel = kernels.kernel();
    boolean wgmma = kernel != CudaOptions.Attention.MMA;
    assertEquals(wgmma, wgmma && kernels.wgmmaKernel(d).isPresent(), "d " + d + " on " + kernel);
    int width = heads * d;
    float[] q = run.random(b * nq * width);
    float[] k = run.random(b * nk * width);
    float[] v = run.random(b * nk * width);
    long o = run.output(b * nq * width);
    kernels.attention(misalignedQ ? run.putMisaligned(q) : run.put(q), run.put(k), run.put(v), o, b, nq, nk, heads,
        d, width, width, scale, causal);
    float[] got = run.get(o, b * nq * width);
    float[] want = run.host(run.ref.attention(run.tensor(q, b, nq, width), run.tensor(k, b, nk, width),
        run.tensor(v, b, nk, width), heads, scale, causal));
    String what = (wgmma ? kernel.property() + ": " : "") + b + " x " + nq + " queries, " + nk + " keys, " + heads
        + " heads of " + d + ", scale " + scale + (causal ? ", causal" : "") + (misalignedQ ? ", misaligned queries" : "");
    run.assertClose(want, got, what);
    if (run.type == DType.F16 && b == 1) {
      for (int h = 0; h < heads; h++) {
        assertFlashRule(head(q, nq, heads, d, h), head(k, nk, heads, d, h), head(v, nk, heads, d, h),
            head(got, nq, heads, d, h), nq, nk, d, scale, causal, what + ", head " + h);
      }
    }
  }

  private static void assertFlashRule(float[] q, float[] k, float[] v, float[] got, int nq, int nk, int d,
      float scale, boolean causal, String what) {
    double[] exact = NaiveAttention.exact(q, k, v, nq, nk, d, scale, causal);
    double naive = NaiveAttention.relativeError(NaiveAttention.fp16(q, k, v, nq, nk, d, scale, causal), exact);
    double[] fused = new double[got.length];
    for (int i = 0; i < got.length; i++) {
      fused[i] = got[i];
    }
    double err = NaiveAttention.relativeError(fused, exact);
    assertTrue(err <= 2 * naive, what + ": error " + err + " > 2 x naive float16 error " + naive + HostRun.seed());
  }

  private static float[] head(float[] x, int n, int heads, int d, int h) {
    assertEquals(0, x.length % (heads * d));
    float[] out = new float[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x, (i * heads + h) * d, out, i * d, d);
    }
    return out;
  }
}
