package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.sdj.backend.DType;
import org.sdj.cuda.CudaOptions.Attention;

/**
 * flash_attention_wgmma.cu's Hopper kernels, serial, pipelined and warp-specialized with and without ping-pong
 * (wgmma.mma_async from shared-memory descriptors and registers, mbarriers and named barriers, modelled by the CPU
 * emulator) launched by {@link AttentionKernels} as the CUDA backend launches them with {@link CudaOptions#attention},
 * against the reference attention: each of their padded head sizes in float16 and bfloat16, causal and not, row counts
 * that leave a warpgroup (the second or third) or the second block partly or wholly empty, key counts that cut the last
 * key tile short or refill every stage, several batch items and heads, packed projections read in place, the
 * plain-load path, misaligned queries, a negative scale, the exponentials on the FMA units or all on the
 * special-function unit, and the trap on too little dynamic shared memory. Float16
 * results keep FlashAttention's accuracy rule, as {@link FlashAttentionWgmmaRuleTest} states it on a GPU. What this
 * cannot check is the descriptor layout itself: the emulator reads descriptors by the same reading of the PTX ISA
 * that the kernel was written from (CUTLASS's make_gmma_desc agrees with it); the GPU test decides.
 */
class EmulatedWgmmaAttentionTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  /**
   * batch, queries, keys, heads, head size, causal: each padded head size (48, 64, 80, 128, 160), queries past one
   * warpgroup or one block (of 128 rows, or 192 where three consumers), keys past one tile of 64 or 128.
   */
  private static final int[][] HEAD_SIZES = {{1, 77, 45, 1, 40, 0}, {2, 130, 77, 2, 40, 1}, {1, 70, 135, 1, 64, 1},
      {1, 250, 70, 1, 64, 0}, {1, 200, 150, 1, 40, 1}, {1, 200, 70, 1, 80, 1}, {1, 45, 130, 1, 80, 0},
      {1, 40, 77, 2, 128, 1}, {1, 129, 131, 1, 128, 0}, {1, 77, 50, 1, 160, 0}, {1, 66, 140, 1, 160, 1}};

  static Stream<Arguments> kernelsAndTypes() {
    return Stream.of(Attention.values()).filter(a -> a != Attention.MMA)
        .flatMap(a -> Stream.of(Arguments.of(a, DType.F16), Arguments.of(a, DType.BF16)));
  }

  @ParameterizedTest
  @MethodSource("kernelsAndTypes")
  void everyPaddedHeadSize(Attention kernel, DType type) {
    try (HostRun run = new HostRun(type, "wgmmaHeadSizes" + kernel)) {
      for (int[] c : HEAD_SIZES) {
        EmulatedFlashAttentionTest.check(run, kernel, c[0], c[1], c[2], c[3], c[4], c[5] == 1,
            (float) (1 / Math.sqrt(c[4])), false);
      }
    }
  }

  /**
   * Enough key tiles for every stage to be refilled twice (the pipelines' reuse of a stage: a refill before its last
   * reader is done reads as NaN on the emulator), each head size, causal and not.
   */
  @ParameterizedTest
  @EnumSource(value = Attention.class, mode = EnumSource.Mode.EXCLUDE, names = "MMA")
  void manyKeyTiles(Attention kernel) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaManyTiles" + kernel)) {
      for (int d : new int[] {40, 64, 80, 128, 160}) {
        int dp = AttentionKernels.flashDim(d);
        int nk = 2 * AttentionKernels.wgmmaStages(dp, kernel) * AttentionKernels.wgmmaKeys(dp, kernel) + 37;
        EmulatedFlashAttentionTest.check(run, kernel, 1, 70, nk, 1, d, d % 80 == 0, (float) (1 / Math.sqrt(d)),
            false);
      }
    }
  }

  /** Head sizes that are not a multiple of 8 take plain element loads instead of cp.async; queries off 16 bytes too. */
  @ParameterizedTest
  @EnumSource(value = Attention.class, mode = EnumSource.Mode.EXCLUDE, names = "MMA")
  void plainLoads(Attention kernel) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaPlain" + kernel)) {
      EmulatedFlashAttentionTest.check(run, kernel, 2, 37, 29, 2, 44, false, 0.2f, false);
      EmulatedFlashAttentionTest.check(run, kernel, 1, 50, 50, 1, 100, true, 0.1f, false);
      EmulatedFlashAttentionTest.check(run, kernel, 1, 40, 45, 2, 64, false, 0.125f, true);
    }
  }

  /** A negative scale: the kernel negates the resident query tile in shared memory. */
  @ParameterizedTest
  @MethodSource("kernelsAndTypes")
  void negativeScale(Attention kernel, DType type) {
    try (HostRun run = new HostRun(type, "wgmmaNegative" + kernel)) {
      EmulatedFlashAttentionTest.check(run, kernel, 1, 50, 40, 1, 64, false, -0.2f, false);
      EmulatedFlashAttentionTest.check(run, kernel, 1, 50, 140, 1, 160, true, -0.1f, false);
    }
  }

  @ParameterizedTest
  @EnumSource(value = Attention.class, mode = EnumSource.Mode.EXCLUDE, names = "MMA")
  void trapsOnTooLittleDynamicSharedMemory(Attention kernel) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaTrap" + kernel)) {
      int n = 16;
      int d = 64;
      long x = run.put(run.random(n * d));
      long o = run.output(n * d);
      String name = AttentionKernels.wgmmaKernel("_f16", kernel, d, 0);
      Object[] args = {x, x, x, o, n, n, 1, d, d, d, 0.1f, 0, 0};
      if (AttentionKernels.specialized(kernel)) {
        args = Arrays.copyOf(args, args.length + 2);
        args[args.length - 2] = TensorMap.NONE;
        args[args.length - 1] = TensorMap.NONE;
      }
      Object[] all = args;
      CudaException e = assertThrows(CudaException.class, () -> run.launcher.raw(name, new int[] {1, 1, 1},
          new int[] {AttentionKernels.wgmmaThreads(d, kernel, 0), 1, 1},
          AttentionKernels.wgmmaSharedBytes(d, kernel, 0) - 16,
          all));
      assertTrue(e.getMessage().contains("__trap"), e.getMessage());
    }
  }

  /**
   * The diagnostic layout switch reaches the descriptors: each swap gives wrong results on the emulator, which reads
   * descriptors as the PTX ISA states them (the reading a GPU run is to confirm), and a bad value names the property.
   */
  @Test
  void layoutSwitchSwapsTheDescriptors() {
    try (HostRun run = new HostRun(DType.F16, "wgmmaLayout")) {
      OneHead h = OneHead.random(run, 40, 64, 0.125f, false);
      for (int layout = 0; layout < 4; layout++) {
        double error = relativeError(h.want(), h.run(run, new AttentionKernels(run.launcher, Attention.WGMMA, layout)));
        if (layout == 0) {
          assertTrue(error < 2e-3, "layout 0: relative error " + error);
        } else {
          assertTrue(error > 0.1, "layout " + layout + " should read other elements: relative error " + error);
        }
      }
    }
    var bad = assertThrows(IllegalArgumentException.class, () -> AttentionKernels.wgmmaOptions("4", "true", "true", "2"));
    assertTrue(bad.getMessage().contains(AttentionKernels.WGMMA_LAYOUT_PROPERTY), bad.getMessage());
  }

  /**
   * At head size 40 (padded 48) a quarter of the softmax's exponentials run as ex2_fma's polynomial by default, all on
   * the special-function unit's ex2 with {@link AttentionKernels#WGMMA_SFU_ONLY}: both keep the accuracy, and the
   * option reaches the kernel (the two round some probabilities differently). Masked tiles (causal, a short last
   * tile) feed the polynomial -inf.
   */
  @ParameterizedTest
  @EnumSource(value = Attention.class, mode = EnumSource.Mode.EXCLUDE, names = "MMA")
  void exponentialsOnTheFmaUnitsOrAllOnTheSpecialFunctionUnit(Attention kernel) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaFmaExp" + kernel)) {
      OneHead h = OneHead.random(run, 150, 40, (float) (1 / Math.sqrt(40)), true);
      float[][] got = new float[2][];
      for (int sfuOnly = 0; sfuOnly < 2; sfuOnly++) {
        int options = sfuOnly * AttentionKernels.WGMMA_SFU_ONLY;
        got[sfuOnly] = h.run(run, new AttentionKernels(run.launcher, kernel, options));
        run.assertClose(h.want(), got[sfuOnly], kernel.property() + (sfuOnly == 1 ? ", every ex2 on the SFU" : ""));
      }
      assertTrue(relativeError(got[1], got[0]) > 0, "the option should change which exponentials run where");
    }
    assertEquals(AttentionKernels.WGMMA_SFU_ONLY | 2, AttentionKernels.wgmmaOptions("2", "false", "false", "2"));
    var bad = assertThrows(IllegalArgumentException.class,
        () -> AttentionKernels.wgmmaOptions("0", "no", "true", "2"));
    assertTrue(bad.getMessage().contains(AttentionKernels.WGMMA_FMA_EXP_PROPERTY), bad.getMessage());
  }

  /**
   * The warp-specialized kernels' producer with tensor maps (bulk tensor copies, one thread, bytes announced on the
   * full barriers) and without (cp.async from all 128 threads) puts the same elements in the tiles: bit-identical
   * outputs, at a head size with a zero-filled padding chunk (40 of 48), a last key tile cut short and several stage
   * rounds, two batch items and two heads read in place from a packed q/k/v projection; and the maps reach the launch.
   */
  @ParameterizedTest
  @EnumSource(value = Attention.class, names = {"WGMMA_SPECIALIZED", "WGMMA_PINGPONG"})
  void bulkTensorCopiesMatchCpAsync(Attention kernel) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaTma" + kernel)) {
      int b = 2;
      int n = 300;
      int heads = 2;
      int d = 40;
      int width = heads * d;
      float[] qkv = run.random(b * n * 3 * width);
      long p = run.put(qkv);
      long bytes = 2L * width;
      float scale = (float) (1 / Math.sqrt(d));
      int[] maps = new int[1];
      Launcher counting = new Launcher(new Launcher.Dispatch() {
        @Override
        public boolean has(String name) {
          return run.launcher.has(name);
        }

        @Override
        public void launch(String name, int[] grid, int[] block, int sharedBytes, Object[] args) {
          run.launcher.raw(name, grid, block, sharedBytes, args);
        }

        @Override
        public TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box) {
          maps[0]++;
          return run.launcher.tensorMap(address, dims, strides, box);
        }
      }, DType.F16);
      float[][] got = new float[2][];
      for (int tma = 0; tma < 2; tma++) {
        long o = run.output(b * n * width);
        new AttentionKernels(counting, kernel, tma * AttentionKernels.WGMMA_TMA).attention(p, p + bytes, p + 2 * bytes,
            o, b, n, n, heads, d, 3 * width, 3 * width, scale, true);
        got[tma] = run.get(o, b * n * width);
        assertEquals(2 * tma, maps[0], "tensor maps of K and V made for the launch with WGMMA_TMA only");
      }
      float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, b, n, 3 * width), heads, scale, true));
      run.assertClose(want, got[1], kernel.property() + " with bulk tensor copies");
      assertArrayEquals(got[0], got[1], "the same tiles whichever way they were copied");
    }
    assertEquals(AttentionKernels.WGMMA_TMA, AttentionKernels.wgmmaOptions("0", "true", "true", "2"));
  }

  /**
   * The warp-specialized kernels' three-consumer images (192 query rows, 512 threads; head sizes up to 64): each of
   * those head sizes, causal and not, with rows that leave the third warpgroup or the second block partly empty, and
   * enough keys to refill every stage twice; with and without bulk tensor copies.
   */
  @ParameterizedTest
  @EnumSource(value = Attention.class, names = {"WGMMA_SPECIALIZED", "WGMMA_PINGPONG"})
  void threeConsumers(Attention kernel) {
    int three = AttentionKernels.WGMMA_THREE_CONSUMERS;
    assertEquals(3, AttentionKernels.wgmmaConsumers(64, kernel, three));
    assertEquals(2, AttentionKernels.wgmmaConsumers(80, kernel, three), "no three-consumer image at 80");
    try (HostRun run = new HostRun(DType.F16, "wgmmaThree" + kernel)) {
      for (int options : new int[] {three | AttentionKernels.WGMMA_TMA, three}) {
        AttentionKernels kernels = new AttentionKernels(run.launcher, kernel, options);
        int[][] cases = {{1, 130, 77, 2, 40, 1}, {1, 250, 70, 1, 64, 0}, {2, 200, 2 * 3 * 128 + 37, 1, 40, 0},
            {1, 70, 2 * 3 * 128 + 5, 1, 64, 1}};
        for (int[] c : cases) {
          EmulatedFlashAttentionTest.check(run, kernels, c[0], c[1], c[2], c[3], c[4], c[5] == 1,
              (float) (1 / Math.sqrt(c[4])), false);
        }
      }
    }
    var bad = assertThrows(IllegalArgumentException.class, () -> AttentionKernels.wgmmaOptions("0", "true", "true",
        "4"));
    assertTrue(bad.getMessage().contains(AttentionKernels.WGMMA_CONSUMERS_PROPERTY), bad.getMessage());
  }

  /** Self-attention inputs of one batch item and one head, n rows of d, and the reference attention's output. */
  private record OneHead(float[] q, float[] k, float[] v, int n, int d, float scale, boolean causal, float[] want) {
    static OneHead random(HostRun run, int n, int d, float scale, boolean causal) {
      float[] q = run.random(n * d);
      float[] k = run.random(n * d);
      float[] v = run.random(n * d);
      float[] want = run.host(run.ref.attention(run.tensor(q, 1, n, d), run.tensor(k, 1, n, d),
          run.tensor(v, 1, n, d), 1, scale, causal));
      return new OneHead(q, k, v, n, d, scale, causal, want);
    }

    /** The output of {@code kernels}' attention on these inputs. */
    float[] run(HostRun run, AttentionKernels kernels) {
      long o = run.output(n * d);
      kernels.attention(run.put(q), run.put(k), run.put(v), o, 1, n, n, 1, d, d, d, scale, causal);
      return run.get(o, n * d);
    }
  }

  private static double relativeError(float[] want, float[] got) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      double e = Float.isNaN(got[i]) ? 1e30 : got[i] - want[i];
      num += e * e;
      den += (double) want[i] * want[i];
    }
    return Math.sqrt(num / den);
  }

  /** Self-attention on one packed q/k/v projection: rows three heads-widths apart. */
  @ParameterizedTest
  @MethodSource("kernelsAndTypes")
  void packedSelfAttentionReadsInPlace(Attention kernel, DType type) {
    try (HostRun run = new HostRun(type, "wgmmaSelf" + kernel)) {
      int b = 2;
      int n = 37;
      int heads = 2;
      int d = 40;
      int width = heads * d;
      float scale = (float) (1 / Math.sqrt(d));
      float[] qkv = run.random(b * n * 3 * width);
      long p = run.put(qkv);
      long bytes = 2L * width;
      AttentionKernels kernels = new AttentionKernels(run.launcher, kernel);
      assertEquals(kernel, kernels.kernel());
      for (boolean causal : new boolean[] {false, true}) {
        long o = run.output(b * n * width);
        kernels.attention(p, p + bytes, p + 2 * bytes, o, b, n, n, heads, d, 3 * width, 3 * width, scale, causal);
        float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, b, n, 3 * width), heads, scale, causal));
        run.assertClose(want, run.get(o, b * n * width),
            kernel.property() + " packed self-attention" + (causal ? ", causal" : ""));
      }
    }
  }
}
