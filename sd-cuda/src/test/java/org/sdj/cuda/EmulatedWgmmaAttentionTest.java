package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.sdj.backend.DType;
import org.sdj.cuda.CudaOptions.Attention;

/**
 * flash_attention_wgmma.cu's Hopper kernel (a producer warpgroup's bulk tensor copies or cp.async, wgmma.mma_async from
 * shared-memory descriptors and registers, mbarriers and the consumers' named barriers, modelled by the CPU emulator)
 * launched by {@link AttentionKernels} as the CUDA backend launches it, against the reference attention: each of its
 * padded head sizes in float16 and bfloat16, causal and not, row counts that leave a consumer warpgroup (the second or
 * third) or the second block partly or wholly empty, key counts that cut the last key tile short or refill every
 * stage, with and without bulk tensor copies, several batch items and heads, packed projections read in place, the
 * plain-load path, misaligned queries, a negative scale, and the trap on too little dynamic shared memory. Float16
 * results keep FlashAttention's accuracy rule, as {@link FlashAttentionWgmmaRuleTest} states it on a GPU (where the
 * descriptor layout the emulator reads was confirmed on an H200). Its other shapes: {@link EmulatedAttentionTuneTest}.
 */
class EmulatedWgmmaAttentionTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  /**
   * batch, queries, keys, heads, head size, causal: each padded head size (48, 64, 80, 128, 160), queries past one
   * consumer warpgroup or one block (of 128 rows, or 192 where three consumers), keys past one tile of 128.
   */
  private static final int[][] HEAD_SIZES = {{1, 77, 45, 1, 40, 0}, {2, 130, 77, 2, 40, 1}, {1, 70, 135, 1, 64, 1},
      {1, 250, 70, 1, 64, 0}, {1, 200, 150, 1, 40, 1}, {1, 200, 70, 1, 80, 1}, {1, 45, 130, 1, 80, 0},
      {1, 40, 77, 2, 128, 1}, {1, 129, 131, 1, 128, 0}, {1, 77, 50, 1, 160, 0}, {1, 66, 140, 1, 160, 1}};

  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void everyPaddedHeadSize(DType type) {
    try (HostRun run = new HostRun(type, "wgmmaHeadSizes")) {
      for (int[] c : HEAD_SIZES) {
        EmulatedFlashAttentionTest.check(run, Attention.WGMMA, c[0], c[1], c[2], c[3], c[4], c[5] == 1,
            (float) (1 / Math.sqrt(c[4])), false);
      }
    }
  }

  /**
   * Enough key tiles for every stage to be refilled twice (the pipeline's reuse of a stage: a refill before its last
   * reader is done reads as NaN on the emulator), each head size, causal and not, copied each way the producer can.
   */
  @ParameterizedTest
  @EnumSource(AttentionKernels.Copies.class)
  void manyKeyTiles(AttentionKernels.Copies copies) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaManyTiles" + copies)) {
      AttentionKernels kernels = new AttentionKernels(run.launcher, Attention.WGMMA, copies);
      for (int d : new int[] {40, 64, 80, 128, 160}) {
        WgmmaKernel.Shape shape = WgmmaKernel.forHead("_f16", d).orElseThrow().shape();
        int nk = 2 * shape.stages() * shape.keys() + 37;
        EmulatedFlashAttentionTest.check(run, kernels, 1, 70, nk, 1, d, d % 80 == 0, (float) (1 / Math.sqrt(d)),
            false);
      }
    }
  }

  /** Head sizes that are not a multiple of 8 take plain element loads instead of cp.async; queries off 16 bytes too. */
  @Test
  void plainLoads() {
    try (HostRun run = new HostRun(DType.F16, "wgmmaPlain")) {
      EmulatedFlashAttentionTest.check(run, Attention.WGMMA, 2, 37, 29, 2, 44, false, 0.2f, false);
      EmulatedFlashAttentionTest.check(run, Attention.WGMMA, 1, 50, 50, 1, 100, true, 0.1f, false);
      EmulatedFlashAttentionTest.check(run, Attention.WGMMA, 1, 40, 45, 2, 64, false, 0.125f, true);
    }
  }

  /** A negative scale: the producer negates the resident query tile in shared memory. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void negativeScale(DType type) {
    try (HostRun run = new HostRun(type, "wgmmaNegative")) {
      EmulatedFlashAttentionTest.check(run, Attention.WGMMA, 1, 50, 40, 1, 64, false, -0.2f, false);
      EmulatedFlashAttentionTest.check(run, Attention.WGMMA, 1, 50, 140, 1, 160, true, -0.1f, false);
    }
  }

  /** At each of the table's three-consumer rows (48, 64, 80) and a two-consumer one (128). */
  @ParameterizedTest
  @ValueSource(ints = {40, 64, 80, 128})
  void trapsOnTooLittleDynamicSharedMemory(int d) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaTrap" + d)) {
      int n = 16;
      long x = run.put(run.random(n * d));
      long o = run.output(n * d);
      WgmmaKernel k = WgmmaKernel.forHead("_f16", d).orElseThrow();
      assertEquals(AttentionKernels.flashDim(d), k.dp());
      CudaException e = assertThrows(CudaException.class, () -> run.launcher.raw(k.name(), new int[] {1, 1, 1},
          new int[] {k.shape().threads(), 1, 1}, k.sharedBytes() - 16,
          x, x, x, o, n, n, 1, d, d, d, 0.1f, 0, 0, TensorMap.NONE, TensorMap.NONE));
      assertTrue(e.getMessage().contains("__trap"), k.name() + ": " + e.getMessage());
    }
  }

  /**
   * The producer with tensor maps (bulk tensor copies, one thread, bytes announced on the full barriers; a copy per
   * 8-column chunk or one per tile) and without (cp.async from all 128 threads) puts the same elements in the tiles:
   * bit-identical outputs, at head sizes with a zero-filled padding chunk (40 of 48, three consumers; 72 of 80, two),
   * a last key tile cut short and several stage rounds, two batch items and two heads read in place from a packed
   * q/k/v projection; and the maps reach the launch, 4-d or 5-d as asked.
   */
  @ParameterizedTest
  @ValueSource(ints = {40, 72})
  void bulkTensorCopiesMatchCpAsync(int d) {
    try (HostRun run = new HostRun(DType.F16, "wgmmaTma" + d)) {
      int b = 2;
      int n = 300;
      int heads = 2;
      int width = heads * d;
      float[] qkv = run.random(b * n * 3 * width);
      long p = run.put(qkv);
      long bytes = 2L * width;
      float scale = (float) (1 / Math.sqrt(d));
      Watch watch = new Watch();
      Launcher counting = watch.launcher(run, run.launcher.multiprocessors());
      // The tuning image's chunked kernels without a column of ones, the table's before the swizzled rows won: the
      // whole-tile maps are for those alone.
      WgmmaKernel chunked = WgmmaKernel.tuning(d == 40 ? "sdj_tune_f16_d48_k128_s3_c3_w0_x0_f1"
          : "sdj_tune_f16_d80_k128_s2_c2_w0_x0_f1");
      AttentionKernels.Copies[] ways = AttentionKernels.Copies.values();
      float[][] got = new float[ways.length][];
      for (int i = 0; i < ways.length; i++) {
        watch.maps = 0;
        watch.rank = 0;
        long o = run.output(b * n * width);
        new AttentionKernels(counting, ways[i], chunked).attention(p, p + bytes, p + 2 * bytes, o, b, n, n,
            heads, d, 3 * width, 3 * width, scale, true);
        got[i] = run.get(o, b * n * width);
        boolean tma = ways[i] != AttentionKernels.Copies.CP_ASYNC;
        assertEquals(tma ? 2 : 0, watch.maps, "tensor maps of K and V made for the launch with bulk tensor copies only");
        assertEquals(!tma ? 0 : ways[i] == AttentionKernels.Copies.TMA_TILES ? 5 : 4, watch.rank, ways[i].toString());
      }
      float[] want = run.host(run.ref.selfAttention(run.tensor(qkv, b, n, 3 * width), heads, scale, true));
      run.assertClose(want, got[1], "wgmma with bulk tensor copies");
      for (int i = 1; i < ways.length; i++) {
        assertArrayEquals(got[0], got[i], "the same tiles by " + ways[i] + " as by " + ways[0]);
      }
    }
  }

  /**
   * Row plans ({@link RowPlan}, with {@link RowPlan#PROPERTY} true) as a launcher that reports a few SMs has them
   * chosen: every head's full blocks, then its blocks of one consumer fewer, whose last consumer (or, in a head's
   * last block, more) only hands the stages on; at each consumer count (four at 40, three at 80, two at 128 and 160),
   * batch items and heads (both more than one at 80) read back from the blocks' launch order, causal and not.
   */
  @ParameterizedTest
  @ValueSource(ints = {40, 80, 128, 160})
  void rowPlans(int d) {
    // batch items, query rows, heads, SMs: shapes whose plan has both kinds of block.
    int[] c = switch (d) {
      case 40 -> new int[] {3, 322, 1, 3};
      case 80 -> new int[] {2, 389, 2, 7};
      case 128 -> new int[] {1, 211, 2, 3};
      default -> new int[] {2, 211, 1, 3};
    };
    int slots = c[3];
    try (HostRun run = new HostRun(DType.F16, "wgmmaPlan" + d)) {
      WgmmaKernel k = WgmmaKernel.forHead("_f16", d).orElseThrow();
      RowPlan plan = RowPlan.choose(c[1], k.shape().consumers(), c[0] * c[2], slots);
      assertTrue(plan.full() > 0 && plan.part() > 0, "full and short blocks: " + plan);
      Watch watch = new Watch();
      AttentionKernels kernels = CudaTestSupport.withProperty(RowPlan.PROPERTY, "true", () -> new AttentionKernels(
          watch.launcher(run, slots), Attention.WGMMA, AttentionKernels.Copies.TMA_CHUNKS));
      EmulatedFlashAttentionTest.check(run, kernels, c[0], c[1], c[1] + 9, c[2], d, d % 80 == 0,
          (float) (1 / Math.sqrt(d)), false);
      assertEquals(plan.blocks(), watch.width, "the plan's blocks per head");
    }
  }

  /** What a {@link #launcher} saw: tensor maps made, the last one's rank, the last launch's grid width. */
  private static final class Watch {
    int maps;
    int rank;
    int width;

    /** {@code run}'s launcher, reporting {@code sms} SMs, watched. */
    Launcher launcher(HostRun run, int sms) {
      return new Launcher(new Launcher.Dispatch() {
        @Override
        public boolean has(String name) {
          return run.launcher.has(name);
        }

        @Override
        public void launch(String name, int[] grid, int[] block, int cluster, int sharedBytes, Object[] args) {
          width = grid[0];
          run.launcher.clustered(name, grid, block, cluster, sharedBytes, args);
        }

        @Override
        public int multiprocessors() {
          return sms;
        }

        @Override
        public TensorMap tensorMap(long address, long[] dims, long[] strides, int[] box, int swizzle) {
          maps++;
          rank = dims.length;
          return run.launcher.tensorMap(address, dims, strides, box, swizzle);
        }
      }, DType.F16);
    }
  }

  /**
   * {@link AttentionKernels#WGMMA_TMA_PROPERTY} and {@link AttentionKernels#WGMMA_TMA_TILE_PROPERTY}: chunk copies by
   * default, cp.async where the first is false, tile copies where the second is true; a bad value names the property.
   */
  @Test
  void copyProperties() {
    String tma = AttentionKernels.WGMMA_TMA_PROPERTY;
    String tile = AttentionKernels.WGMMA_TMA_TILE_PROPERTY;
    String[] before = {System.getProperty(tma), System.getProperty(tile)};
    try {
      System.clearProperty(tma);
      System.clearProperty(tile);
      assertEquals(AttentionKernels.Copies.TMA_CHUNKS, AttentionKernels.propertyCopies());
      System.setProperty(tile, "true");
      assertEquals(AttentionKernels.Copies.TMA_TILES, AttentionKernels.propertyCopies());
      System.setProperty(tma, "false");
      assertEquals(AttentionKernels.Copies.CP_ASYNC, AttentionKernels.propertyCopies());
      System.setProperty(tma, "off");
      var bad = assertThrows(IllegalArgumentException.class, AttentionKernels::propertyCopies);
      assertTrue(bad.getMessage().contains(tma), bad.getMessage());
    } finally {
      CudaTestSupport.restoreProperty(tma, before[0]);
      CudaTestSupport.restoreProperty(tile, before[1]);
    }
  }

  /** Self-attention on one packed q/k/v projection: rows three heads-widths apart. */
  @ParameterizedTest
  @EnumSource(value = DType.class, names = {"F16", "BF16"})
  void packedSelfAttentionReadsInPlace(DType type) {
    Attention kernel = Attention.WGMMA;
    try (HostRun run = new HostRun(type, "wgmmaSelf")) {
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
