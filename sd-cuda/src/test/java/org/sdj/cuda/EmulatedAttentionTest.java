package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;

/**
 * Attention at head sizes past the tensor-core kernels' 160 on the CPU emulator, both ways the CUDA backend runs it:
 * attention_wide.cu's CUDA-core kernel, launched by {@link AttentionKernels}, and {@link ProductAttention} (two
 * products computed on the host as cuBLASLt would, around attention_wide.cu's softmax kernel), against the reference
 * attention: several heads and batch items, causal and not, more and fewer keys than queries (the kernel's key tiles
 * of 32 cut short, its blocks of 4 rows with rows missing; the products' query rows cut into blocks of scratch, the
 * last one short); the products also on one packed projection read in place, and the backend's routing. Packed
 * projections on the kernel: EmulatedFlashAttentionTest.
 */
class EmulatedAttentionTest {
  /** batch, queries, keys, heads, head size, causal, rows per block of the products. */
  private static final int[][] CASES = {{2, 37, 37, 2, 200, 0, 37}, {2, 37, 37, 2, 200, 1, 10},
      {1, 21, 45, 1, 512, 0, 8}, {1, 13, 13, 1, 512, 1, 5}, {1, 6, 70, 1, 161, 0, 6}};

  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  /** One way of computing attention into {@code o} from q, k and v of rows {@code heads * d} wide. */
  private interface Attention {
    void run(HostRun run, int[] c, long q, long k, long v, long o, float scale);
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void cudaCoreKernel(DType type) {
    check(type, "attentionWide", (run, c, q, k, v, o, scale) -> new AttentionKernels(run.launcher,
        CudaOptions.Attention.MMA).attention(q, k, v, o, c[0], c[1], c[2], c[3], c[4], c[3] * c[4], c[3] * c[4],
        scale, c[5] == 1));
  }

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void products(DType type) {
    check(type, "attentionProducts", (run, c, q, k, v, o, scale) -> {
      ProductAttention products = new ProductAttention(run.launcher, new HostMatmul(type), 6L * c[6] * c[2]);
      int rows = products.rowsPerBlock(c[1], c[2]);
      assertEquals(c[6], rows, "rows per block");
      products.attention(q, k, v, o, c[0], c[1], c[2], c[3], c[4], c[3] * c[4], c[3] * c[4], scale, c[5] == 1,
          run.scratchF32((long) rows * c[2]), run.output(rows * c[2]));
    });
  }

  private static void check(DType type, String name, Attention attention) {
    try (HostRun run = new HostRun(type, name)) {
      for (int[] c : CASES) {
        int b = c[0];
        int nq = c[1];
        int nk = c[2];
        int heads = c[3];
        int d = c[4];
        boolean causal = c[5] == 1;
        assertEquals(-1, AttentionKernels.flashDim(d), "a head size past the tensor-core kernels'");
        int width = heads * d;
        float scale = (float) (1 / Math.sqrt(d));
        float[] q = run.random(b * nq * width);
        float[] k = run.random(b * nk * width);
        float[] v = run.random(b * nk * width);
        long o = run.output(b * nq * width);
        attention.run(run, c, run.put(q), run.put(k), run.put(v), o, scale);
        float[] want = run.host(run.ref.attention(run.tensor(q, b, nq, width), run.tensor(k, b, nk, width),
            run.tensor(v, b, nk, width), heads, scale, causal));
        run.assertClose(want, run.get(o, b * nq * width), name + ": " + b + " x " + nq + " queries, " + nk
            + " keys, " + heads + " heads of " + d + (causal ? ", causal" : ""));
      }
    }
  }

  @Test
  void productsReadPackedProjectionsInPlace() {
    try (HostRun run = new HostRun(DType.F16, "productAttentionPacked")) {
      int b = 2;
      int n = 19;
      int heads = 2;
      int d = 168;
      int width = heads * d;
      float scale = (float) (1 / Math.sqrt(d));
      float[] qkv = run.random(b * n * 3 * width);
      long p = run.put(qkv);
      long bytes = 2L * width;
      ProductAttention products = new ProductAttention(run.launcher, new HostMatmul(DType.F16), 6L * 7 * n);
      long o = run.output(b * n * width);
      products.attention(p, p + bytes, p + 2 * bytes, o, b, n, n, heads, d, 3 * width, 3 * width, scale, true,
          run.scratchF32(7L * n), run.output(7 * n));
      float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, b, n, 3 * width), heads, scale, true));
      run.assertClose(want, run.get(o, b * n * width), "packed self-attention");
    }
  }

  /** The CUDA backend takes wide heads to the products, the tensor-core sizes to the fused kernels; no keys refused. */
  @Test
  void theBackendRoutesWideHeadsToTheProducts() {
    try (CudaBackend backend = HostDevice.backend(CudaOptions.defaults())) {
      assertTrue(backend.attention().byProducts(512, 4096));
      assertTrue(backend.attention().byProducts(161, 1));
      assertTrue(!backend.attention().byProducts(160, 4096), "a tensor-core size");
      assertTrue(!backend.attention().byProducts(512, 0), "no keys: the wide kernel writes zeros");
      try (HostRun run = new HostRun(DType.F16, "productAttentionRoute"); Ops ops = backend.ops()) {
        int n = 9;
        int d = 256;
        float[] qkv = run.random(n * 3 * d);
        float[] got = ops.toHost(ops.selfAttention(ops.fromHost(qkv, 1, n, 3 * d), 1, 0.0625f, false));
        float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, 1, n, 3 * d), 1, 0.0625f, false));
        run.assertClose(want, got, "the backend's self-attention at head size " + d);
      }
    }
    var e = assertThrows(IllegalArgumentException.class,
        () -> new ProductAttention(null, null).attention(0, 0, 0, 0, 1, 1, 0, 1, 512, 512, 512, 1f, false, 0, 0));
    assertTrue(e.getMessage().contains("keys"), e.getMessage());
  }
}
