package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.sdj.backend.DType;
import org.sdj.cuda.CudaOptions.Attention;

/**
 * The wgmma attention kernel's other images ({@link WgmmaImage}, experiments awaiting a GPU run) on the CPU emulator,
 * as {@link AttentionKernels} launches them: swizzled tiles against chunked ones bit for bit, the 192-row and
 * ones/f16exp images against the reference attention and FlashAttention's rule, which launches take each, and the
 * property that picks one. {@link EmulatedWgmmaAttentionTest} covers the default image.
 */
class EmulatedWgmmaImagesTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  /**
   * Swizzled K and V tiles ({@link WgmmaImage#SWIZZLED}: column blocks of 16, 32 or 64 columns, their 16-byte chunks
   * XOR-permuted, each block one bulk copy with the map's swizzle) hold the same elements where the swizzled
   * descriptors read them as chunked tiles do: bit-identical outputs at every padded head size (each swizzle width:
   * 32 bytes at 48 and 80, 128 at 64 and 128, 64 at 160), with bulk copies (a zero-filled part of the last
   * block at 40 and 72), with cp.async and with plain loads (head sizes 44 and 100), causal and not, two batch items
   * and two heads read in place from a packed q/k/v projection, a last key tile cut short and the stages refilled. The
   * emulator's dynamic shared memory starts off a 1024-byte boundary, so the kernels' own alignment of the swizzled
   * stages is what puts them on one.
   */
  @ParameterizedTest
  @EnumSource(value = AttentionKernels.Copies.class, names = {"CP_ASYNC", "TMA_CHUNKS"})
  void swizzledTilesMatchChunked(AttentionKernels.Copies copies) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaSwizzled" + copies)) {
      int b = 2;
      int heads = 2;
      int[] sizes = copies == AttentionKernels.Copies.CP_ASYNC ? new int[] {40, 64, 72, 128, 160, 44, 100}
          : new int[] {40, 64, 72, 128, 160};
      for (int d : sizes) {
        int dp = AttentionKernels.flashDim(d);
        AttentionKernels.WgmmaShape shape = AttentionKernels.wgmmaShape(dp, WgmmaImage.CHUNKED);
        int n = shape.stages() * shape.keys() + 20;
        int width = heads * d;
        float[] qkv = run.random(b * n * 3 * width);
        long p = run.put(qkv);
        long bytes = 2L * width;
        boolean causal = d % 3 != 0;
        float scale = (float) (1 / Math.sqrt(d));
        float[][] got = new float[2][];
        for (int layout = 0; layout < 2; layout++) {
          long o = run.output(b * n * width);
          new AttentionKernels(run.launcher, Attention.WGMMA, copies,
              layout == 1 ? WgmmaImage.SWIZZLED : WgmmaImage.CHUNKED).attention(p, p + bytes,
              p + 2 * bytes, o, b, n, n, heads, d, 3 * width, 3 * width, scale, causal);
          got[layout] = run.get(o, b * n * width);
        }
        float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, b, n, 3 * width), heads, scale, causal));
        run.assertClose(want, got[1], "wgmma with swizzled tiles at d " + d);
        assertArrayEquals(got[0], got[1], "swizzled and chunked tiles at d " + d + ", " + copies);
      }
    }
  }

  /**
   * The swizzled 192-row images ({@link WgmmaImage#SWIZZLED192}: three consumers on 64-key tiles) against the reference
   * attention and, for one batch item, FlashAttention's rule: at each of their head sizes (72 and 80, 128, 160),
   * causal and not, with bulk copies and cp.async, a last block of queries and a last key tile cut short, enough key
   * tiles to refill every stage, two batch items and heads, the plain-load path (100), a negative scale; and which
   * launches take them (padded head sizes over 64).
   */
  @ParameterizedTest
  @EnumSource(value = AttentionKernels.Copies.class, names = {"CP_ASYNC", "TMA_CHUNKS"})
  void threeConsumersOnWideHeads(AttentionKernels.Copies copies) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaSw192" + copies)) {
      AttentionKernels kernels = new AttentionKernels(run.launcher, Attention.WGMMA, copies, WgmmaImage.SWIZZLED192);
      assertEquals(WgmmaImage.SWIZZLED192, kernels.image(128, 128));
      assertEquals(WgmmaImage.CHUNKED, kernels.image(64, 64));
      for (int d : new int[] {72, 80, 128, 160}) {
        AttentionKernels.WgmmaShape shape = AttentionKernels.wgmmaShape(AttentionKernels.flashDim(d),
            WgmmaImage.SWIZZLED192);
        int nk = 2 * shape.stages() * shape.keys() + 37;
        EmulatedFlashAttentionTest.check(run, kernels, 1, 200, nk, 1, d, d != 128, (float) (1 / Math.sqrt(d)), false);
      }
      EmulatedFlashAttentionTest.check(run, kernels, 2, 70, 150, 2, 80, false, 0.1f, false);
      EmulatedFlashAttentionTest.check(run, kernels, 1, 50, 90, 2, 100, true, 0.1f, false);
      EmulatedFlashAttentionTest.check(run, kernels, 1, 40, 70, 1, 160, false, -0.1f, false);
    }
  }

  /**
   * The images whose O += P V makes the rows' sums from a column of ones in V's padding ({@link WgmmaImage#ONES}) and
   * that with packed float16 exponentials too ({@link WgmmaImage#F16EXP}) against the reference attention and, for one
   * batch item in float16, FlashAttention's rule (F16EXP on the emulator's exact exponential of the float16 exponent;
   * the GPU's approximation is FlashAttentionWgmmaRuleTest's to judge): at head size 40 (and 36 on the plain-load
   * path), causal and not, a negative scale, with bulk copies and cp.async, enough key tiles to refill every stage and
   * rescale the sums as the maxima rise, a last tile cut short, two batch items and heads; and which launches take
   * them (padded head size 48 with a spare chunk; F16EXP float16 only).
   */
  @ParameterizedTest
  @EnumSource(value = AttentionKernels.Copies.class, names = {"CP_ASYNC", "TMA_CHUNKS"})
  void sumsFromOnes(AttentionKernels.Copies copies) {
    for (WgmmaImage image : new WgmmaImage[] {WgmmaImage.ONES, WgmmaImage.F16EXP}) {
      try (HostRun run = new HostRun(DType.F16, "wgmma" + image + copies)) {
        AttentionKernels kernels = new AttentionKernels(run.launcher, Attention.WGMMA, copies, image);
        assertEquals(image, kernels.image(48, 40));
        assertEquals(WgmmaImage.CHUNKED, kernels.image(48, 44), "no spare chunk at 44");
        assertEquals(WgmmaImage.CHUNKED, kernels.image(64, 64));
        AttentionKernels.WgmmaShape shape = AttentionKernels.wgmmaShape(48, image);
        int manyKeys = 2 * shape.stages() * shape.keys() + 37;
        EmulatedFlashAttentionTest.check(run, kernels, 1, 200, manyKeys, 1, 40, true, (float) (1 / Math.sqrt(40)),
            false);
        EmulatedFlashAttentionTest.check(run, kernels, 2, 70, 300, 2, 40, false, 0.125f, false);
        EmulatedFlashAttentionTest.check(run, kernels, 1, 37, 29, 2, 36, false, 0.2f, false);
        EmulatedFlashAttentionTest.check(run, kernels, 1, 50, 140, 1, 40, true, -0.1f, false);
      }
      try (HostRun run = new HostRun(DType.BF16, "wgmma" + image + "Bf16")) {
        AttentionKernels kernels = new AttentionKernels(run.launcher, Attention.WGMMA, copies, image);
        assertEquals(image == WgmmaImage.ONES ? image : WgmmaImage.CHUNKED, kernels.image(48, 40), "bfloat16");
        EmulatedFlashAttentionTest.check(run, kernels, 2, 70, 300, 2, 40, true, 0.125f, false);
      }
    }
  }

  /** {@link WgmmaImage#PROPERTY}: chunked when absent, any case of a name, a bad value named with the choices. */
  @Test
  void imageProperty() {
    String before = System.getProperty(WgmmaImage.PROPERTY);
    try {
      System.clearProperty(WgmmaImage.PROPERTY);
      assertEquals(WgmmaImage.CHUNKED, WgmmaImage.fromProperty());
      System.setProperty(WgmmaImage.PROPERTY, "Swizzled");
      assertEquals(WgmmaImage.SWIZZLED, WgmmaImage.fromProperty());
      System.setProperty(WgmmaImage.PROPERTY, "f16exp");
      assertEquals(WgmmaImage.F16EXP, WgmmaImage.fromProperty());
      System.setProperty(WgmmaImage.PROPERTY, "fast");
      var bad = assertThrows(IllegalArgumentException.class, WgmmaImage::fromProperty);
      assertTrue(bad.getMessage().contains(WgmmaImage.PROPERTY) && bad.getMessage().contains("ones"),
          bad.getMessage());
    } finally {
      EmulatedWgmmaAttentionTest.restore(WgmmaImage.PROPERTY, before);
    }
  }
}
