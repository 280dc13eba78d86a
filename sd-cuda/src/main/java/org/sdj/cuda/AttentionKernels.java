package org.sdj.cuda;

import java.util.List;

/**
 * Launches of the fused attention kernels for one storage type: flash_attention.cu (tensor cores, mma.sync, head sizes
 * up to 160), the opt-in flash_attention_wgmma.cu (Hopper; its serial and pipelined loops), attention_wide.cu (CUDA
 * cores, wider heads), and the host-side figures each launch depends on.
 */
final class AttentionKernels {
  /** Head sizes of the tensor-core attention kernels; d is padded up to the next one. */
  private static final int[] FLASH_DIMS = {16, 32, 48, 64, 80, 96, 128, 160};
  /** Largest head size of the CUDA-core attention kernel ({@code WIDE_MAX_D} in attention_wide.cu). */
  static final int WIDE_MAX_D = 1024;
  private static final double LOG2_E = 1.4426950408889634;
  /**
   * Padded head sizes of flash_attention_wgmma.cu's kernels (each of its tables: {@code SDJ_WGMMA_ALL},
   * {@code SDJ_WGMMA_PIPELINED_ALL}, {@code SDJ_WGMMA_SPECIALIZED_ALL}).
   */
  private static final int[] WGMMA_DIMS = {48, 64, 80, 128, 160};
  /** Query rows per block of flash_attention_wgmma.cu's serial and pipelined kernels, two warpgroups' ({@code BR}). */
  static final int WGMMA_ROWS = 128;
  /** Threads per block of flash_attention_wgmma.cu's serial and pipelined kernels ({@code THREADS} there). */
  static final int WGMMA_THREADS = 256;

  private final Launcher launch;
  private final String suffix;
  /**
   * System property of a diagnostic for the wgmma kernels' first GPU runs: 1, 2 or 3 swap the two offsets of their
   * shared-memory descriptors (bit 0 for Q and K, bit 1 for V; {@code Tiles} in wgmma_attention.cuh), so that one run
   * can find the reading the hardware takes. 0, the default, is the PTX ISA's as the kernels were written.
   */
  static final String WGMMA_LAYOUT_PROPERTY = "sdj.cuda.wgmmaLayout";
  /**
   * System property: {@code false} runs every exponential of the wgmma kernels' softmax on the special-function unit,
   * also at padded head size 48, where by default a quarter of them run as a polynomial on the FMA units
   * ({@code ex2_fma}, {@code POLY_MAX_DP} in wgmma_attention.cuh); for benchmarks to compare the two.
   */
  static final String WGMMA_FMA_EXP_PROPERTY = "sdj.cuda.wgmmaFmaExp";
  /** The wgmma kernels' option bit for {@link #WGMMA_FMA_EXP_PROPERTY}{@code =false} ({@code OPTION_SFU_ONLY}). */
  static final int WGMMA_SFU_ONLY = 4;
  /**
   * System property: {@code false} has the warp-specialized wgmma kernels' producer copy K and V with cp.async from
   * all its threads, as without tensor maps, instead of bulk tensor copies (TMA) issued by one thread.
   */
  static final String WGMMA_TMA_PROPERTY = "sdj.cuda.wgmmaTma";
  /**
   * The warp-specialized kernels' option bit ({@code OPTION_TMA}): their producer copies K and V through the tensor
   * maps passed with the launch. Set where asked for and the operands allow it (16-byte rows and heads).
   */
  static final int WGMMA_TMA = 8;
  /**
   * System property: {@code 3} runs the warp-specialized wgmma kernels with three consumer warpgroups (192 query rows
   * per block) where their images exist, instead of two; for benchmarks to compare.
   */
  static final String WGMMA_CONSUMERS_PROPERTY = "sdj.cuda.wgmmaConsumers";
  /** The bit for {@link #WGMMA_CONSUMERS_PROPERTY}{@code =3}: it picks the _c3 images; the kernels never see it. */
  static final int WGMMA_THREE_CONSUMERS = 16;
  /** Padded head sizes up to which three-consumer images exist (their loop fits 160 registers). */
  static final int WGMMA_THREE_CONSUMERS_MAX_DP = 64;
  private static final System.Logger LOG = System.getLogger(AttentionKernels.class.getName());
  /** Padded head sizes up to which the wgmma kernels run a share of their exponentials on the FMA units. */
  static final int WGMMA_FMA_EXP_MAX_DP = 48;

  /** The kernel that runs: {@code preferred}, or {@link CudaOptions.Attention#MMA} where the module lacks it. */
  private final CudaOptions.Attention kernel;
  /**
   * The wgmma kernels' options parameter: the descriptor layout (bits 0 and 1), {@link #WGMMA_SFU_ONLY} and
   * {@link #WGMMA_TMA} (cleared for the calls that cannot take tensor maps).
   */
  private final int wgmmaOptions;
  /** Set once the driver refuses a tensor map: the warp-specialized kernels copy with cp.async from then on. */
  private volatile boolean mapsRefused;

  /**
   * Attention on {@code preferred} where the module has it (the wgmma kernels' image carries sm_90a code only, so it
   * loads on compute capability 9.0 alone), else on the mma.sync kernel; the wgmma kernels' options from the system
   * properties ({@link #propertyOptions}).
   */
  AttentionKernels(Launcher launch, CudaOptions.Attention preferred) {
    this(launch, preferred, propertyOptions());
  }

  /** The wgmma kernels' options from the system properties (each at its default where unset). */
  static int propertyOptions() {
    return wgmmaOptions(System.getProperty(WGMMA_LAYOUT_PROPERTY, "0"), System.getProperty(WGMMA_FMA_EXP_PROPERTY,
        "true"), System.getProperty(WGMMA_TMA_PROPERTY, "true"), System.getProperty(WGMMA_CONSUMERS_PROPERTY, "2"));
  }

  AttentionKernels(Launcher launch, CudaOptions.Attention preferred, int wgmmaOptions) {
    this.launch = launch;
    this.suffix = launch.suffix();
    this.kernel = preferred == CudaOptions.Attention.MMA
        || launch.has(wgmmaKernel(suffix, preferred, WGMMA_DIMS[0], wgmmaOptions))
        ? preferred : CudaOptions.Attention.MMA;
    this.wgmmaOptions = wgmmaOptions;
  }

  /**
   * The wgmma kernels' options for the values of {@link #WGMMA_LAYOUT_PROPERTY}, {@link #WGMMA_FMA_EXP_PROPERTY},
   * {@link #WGMMA_TMA_PROPERTY} and {@link #WGMMA_CONSUMERS_PROPERTY}.
   */
  static int wgmmaOptions(String layout, String fmaExp, String tma, String consumers) {
    int bits = switch (layout.trim()) {
      case "0" -> 0;
      case "1" -> 1;
      case "2" -> 2;
      case "3" -> 3;
      default -> throw new IllegalArgumentException(WGMMA_LAYOUT_PROPERTY + "=" + layout + ": use 0, 1, 2 or 3");
    };
    bits |= flag(WGMMA_FMA_EXP_PROPERTY, fmaExp) ? 0 : WGMMA_SFU_ONLY;
    bits |= flag(WGMMA_TMA_PROPERTY, tma) ? WGMMA_TMA : 0;
    return bits | switch (consumers.trim()) {
      case "2" -> 0;
      case "3" -> WGMMA_THREE_CONSUMERS;
      default -> throw new IllegalArgumentException(WGMMA_CONSUMERS_PROPERTY + "=" + consumers + ": use 2 or 3");
    };
  }

  private static boolean flag(String property, String value) {
    return switch (value.trim()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException(property + "=" + value + ": use true or false");
    };
  }

  /** Which kernel runs fused attention (a wgmma one only for the head sizes it provides). */
  CudaOptions.Attention kernel() {
    return kernel;
  }

  /** Whether fused attention runs on one of flash_attention_wgmma.cu's kernels for the head sizes they provide. */
  boolean wgmmaAttention() {
    return kernel != CudaOptions.Attention.MMA;
  }

  /** The padded head size of the tensor-core kernel for {@code d}, or -1 beyond its largest. */
  static int flashDim(int d) {
    for (int p : FLASH_DIMS) {
      if (d <= p) {
        return p;
      }
    }
    return -1;
  }

  /** Query rows per block of flash_attention.cu's kernel (4 warps of 32 rows) for padded head size {@code dp}. */
  static int flashRows(int dp) {
    return 128;
  }

  /**
   * Dynamic shared memory of flash_attention.cu's kernel for padded head size {@code dp} ({@code smem_bytes} there:
   * a resident 128-row query tile and 32-row K and V tiles, rows of dp + 8 elements), for the sizes whose tiles exceed
   * the 48 KiB of static shared memory; 0 for the others, which declare theirs statically. The kernel traps when
   * launched with less than it needs.
   */
  static int flashSharedBytes(int dp) {
    return switch (dp) {
      case 128, 160 -> flashTileBytes(dp, 32, 2, true);
      default -> 0;
    };
  }

  /** Whether flash_attention_wgmma.cu has a kernel for padded head size {@code dp}. */
  static boolean wgmmaDim(int dp) {
    for (int p : WGMMA_DIMS) {
      if (p == dp) {
        return true;
      }
    }
    return false;
  }

  /**
   * Keys per tile of flash_attention_wgmma.cu's {@code kernel} for padded head size {@code dp} ({@code BC} in its
   * table): the pipelined loop takes smaller tiles where its extra registers need room, the warp-specialized one,
   * whose consumers get the producer's registers, none.
   */
  static int wgmmaKeys(int dp, CudaOptions.Attention kernel) {
    return switch (kernel) {
      case WGMMA -> dp == 80 ? 64 : 128;
      case WGMMA_PIPELINED -> dp == 128 ? 128 : 64;
      case WGMMA_SPECIALIZED, WGMMA_PINGPONG -> 128;
      case MMA -> throw new IllegalArgumentException("the mma.sync kernel is not a wgmma one");
    };
  }

  /** Stages of K and of V tiles of {@code kernel} at {@code dp}: three where the warp-specialized ones have room. */
  static int wgmmaStages(int dp, CudaOptions.Attention kernel) {
    return specialized(kernel) && dp <= 64 ? 3 : 2;
  }

  /**
   * Consumer warpgroups of the warp-specialized {@code kernel} at {@code dp} with {@code options}: three where
   * {@link #WGMMA_THREE_CONSUMERS} asks and their images exist ({@code SDJ_WGMMA_SPECIALIZED_C3}, up to
   * {@link #WGMMA_THREE_CONSUMERS_MAX_DP}), else two.
   */
  static int wgmmaConsumers(int dp, CudaOptions.Attention kernel, int options) {
    if (!specialized(kernel)) {
      throw new IllegalArgumentException(kernel + " has no consumer warpgroups");
    }
    return (options & WGMMA_THREE_CONSUMERS) != 0 && dp <= WGMMA_THREE_CONSUMERS_MAX_DP ? 3 : 2;
  }

  /** Query rows per block of {@code kernel} at {@code dp}: 64 per consumer warpgroup of the warp-specialized ones. */
  static int wgmmaRows(int dp, CudaOptions.Attention kernel, int options) {
    return specialized(kernel) ? 64 * wgmmaConsumers(dp, kernel, options) : WGMMA_ROWS;
  }

  /** Threads per block of {@code kernel} at {@code dp}: a producer warpgroup and the consumers where specialized. */
  static int wgmmaThreads(int dp, CudaOptions.Attention kernel, int options) {
    return specialized(kernel) ? 128 * (1 + wgmmaConsumers(dp, kernel, options)) : WGMMA_THREADS;
  }

  /** Whether {@code kernel} is one of the warp-specialized ones (a producer and consumers, mbarriers). */
  static boolean specialized(CudaOptions.Attention kernel) {
    return kernel == CudaOptions.Attention.WGMMA_SPECIALIZED || kernel == CudaOptions.Attention.WGMMA_PINGPONG;
  }

  /**
   * Dynamic shared memory of {@code kernel} at {@code dp} ({@code smem_bytes} and {@code ws_smem_bytes} there): the
   * query tile and the stages of K and V tiles, {@code dp} 16-bit columns each, and the warp-specialized kernel's
   * mbarriers (8 bytes each: the query tile's and four per stage); all of it dynamic (the kernels trap on less).
   */
  static int wgmmaSharedBytes(int dp, CudaOptions.Attention kernel, int options) {
    int stages = wgmmaStages(dp, kernel);
    int tiles = (wgmmaRows(dp, kernel, options) + 2 * stages * wgmmaKeys(dp, kernel)) * dp * 2;
    return specialized(kernel) ? tiles + (1 + 4 * stages) * 8 : tiles;
  }

  /** The image of {@code kernel} at {@code dp} with {@code options} (the three-consumer ones end their loop in _c3). */
  static String wgmmaKernel(String suffix, CudaOptions.Attention kernel, int dp, int options) {
    String loop = switch (kernel) {
      case WGMMA_PIPELINED -> "_pipelined";
      case WGMMA_SPECIALIZED -> "_specialized";
      case WGMMA_PINGPONG -> "_pingpong";
      default -> "";
    };
    String consumers = specialized(kernel) && wgmmaConsumers(dp, kernel, options) == 3 ? "_c3" : "";
    return "sdj_flash_attention_wgmma" + loop + consumers + suffix + "_d" + dp;
  }

  /**
   * {@code o [b, nq, heads*d] = softmax(q k^T * scale) v} per head, fused: on the tensor cores up to the largest
   * padded head size (on the wgmma kernel where it is on and has the size), on the CUDA cores beyond it. Head
   * {@code h} of a row is its columns {@code h*d .. h*d+d-1}; q's rows are {@code ldq} elements apart, k's and v's
   * {@code ldkv} (wider than {@code heads*d} where they are column blocks of packed projections), o's {@code heads*d}.
   */
  void attention(long q, long k, long v, long o, int b, int nq, int nk, int heads, int d, int ldq, int ldkv,
      float scale, boolean causal) {
    float scaleLog2 = (float) (scale * LOG2_E);
    int dp = flashDim(d);
    if (dp > 0 && wgmmaAttention() && wgmmaDim(dp)) {
      String name = wgmmaKernel(suffix, kernel, dp, wgmmaOptions);
      int[] grid = {Math.ceilDiv(nq, wgmmaRows(dp, kernel, wgmmaOptions)), heads, b};
      int[] block = {wgmmaThreads(dp, kernel, wgmmaOptions), 1, 1};
      int shared = wgmmaSharedBytes(dp, kernel, wgmmaOptions);
      int kernelOptions = wgmmaOptions & ~WGMMA_THREE_CONSUMERS;  // a choice of image, not a kernel option
      if (!specialized(kernel)) {
        launch.raw(name, grid, block, shared, q, k, v, o, nq, nk, heads, d, ldq, ldkv, scaleLog2, causal ? 1 : 0,
            kernelOptions & ~WGMMA_TMA);
        return;
      }
      TensorMap[] maps = tensorMaps(k, v, b, nk, heads, d, ldkv, wgmmaKeys(dp, kernel));
      int options = maps[0] == TensorMap.NONE ? kernelOptions & ~WGMMA_TMA : kernelOptions;
      launch.raw(name, grid, block, shared, q, k, v, o, nq, nk, heads, d, ldq, ldkv, scaleLog2, causal ? 1 : 0,
          options, maps[0], maps[1]);
    } else if (dp > 0) {
      launch.raw("sdj_flash_attention" + suffix + "_d" + dp,
          new int[] {Math.ceilDiv(nq, flashRows(dp)), heads, b}, new int[] {128, 1, 1}, flashSharedBytes(dp),
          q, k, v, o, nq, nk, heads, d, ldq, ldkv, scaleLog2, causal ? 1 : 0);
    } else {
      launch.raw("sdj_attention_wide" + suffix, new int[] {Math.ceilDiv(nq, WIDE_WARPS), heads, b},
          new int[] {32 * WIDE_WARPS, 1, 1}, wideSharedBytes(d), q, k, v, o, nq, nk, heads, d, ldq, ldkv, scaleLog2,
          causal ? 1 : 0);
    }
  }

  /**
   * The warp-specialized kernels' tensor maps of k and v, or {@link TensorMap#NONE} twice where they copy with cp.async
   * instead: where not asked for, where the operands are not in whole 16-byte pieces (the kernels' plain-load path),
   * or once the driver has refused a map. Each map is a 4-d view {@code [b][nk][heads][d]} (dimension 0 first: d,
   * heads, keys, batch items; rows ldkv elements apart) with boxes of 8 columns x 1 head x {@code keys} rows x 1 item:
   * one 8-column chunk of a K or V tile, which lands as the tile layout's chunk.
   */
  private TensorMap[] tensorMaps(long k, long v, int b, int nk, int heads, int d, int ldkv, int keys) {
    TensorMap[] none = {TensorMap.NONE, TensorMap.NONE};
    if ((wgmmaOptions & WGMMA_TMA) == 0 || mapsRefused || nk == 0 || d % 8 != 0 || ldkv % 8 != 0
        || ((k | v) & 15) != 0) {
      return none;
    }
    long[] dims = {d, heads, nk, b};
    long[] strides = {2L * d, 2L * ldkv, 2L * nk * ldkv};
    int[] box = {8, 1, keys, 1};
    try {
      return new TensorMap[] {launch.tensorMap(k, dims, strides, box), launch.tensorMap(v, dims, strides, box)};
    } catch (CudaException e) {
      mapsRefused = true;
      LOG.log(System.Logger.Level.WARNING, "the driver refused a tensor map of K or V (" + e.getMessage()
          + "); the warp-specialized attention kernels copy them with cp.async instead");
      return none;
    }
  }

  /**
   * A tile shape of the mma.sync kernel in flash_attention_tuning.cu (float16, sm_90 only), for benchmarks to time
   * against the shipped one: padded head size, keys per tile, m-tiles per warp, resident query tile, blocks per SM.
   */
  record FlashTuning(int dp, int bc, int mt, boolean qs, int minBlocks) {
    String kernel() {
      return "sdj_flash_attention_tuning_f16_d" + dp + "_bc" + bc + "_mt" + mt + "_" + qs + "_b" + minBlocks;
    }

    /** Query rows per block. */
    int rows() {
      return 64 * mt;
    }

    /** Dynamic shared memory: none where the tiles fit the 48 KiB the kernel then declares statically. */
    int sharedBytes() {
      return flashTileBytes(dp, bc, mt, qs) > KernelModule.DEFAULT_SHARED_BYTES ? flashTileBytes(dp, bc, mt, qs) : 0;
    }
  }

  /** flash_attention_tuning.cu's table, in its order. */
  static final List<FlashTuning> TUNING = List.of(new FlashTuning(48, 32, 1, false, 5),
      new FlashTuning(48, 32, 1, false, 6), new FlashTuning(48, 64, 1, false, 4), new FlashTuning(48, 64, 2, false, 2),
      new FlashTuning(64, 32, 1, false, 5), new FlashTuning(64, 64, 1, false, 4), new FlashTuning(64, 64, 2, false, 2),
      new FlashTuning(80, 32, 1, false, 4), new FlashTuning(80, 64, 1, false, 3), new FlashTuning(80, 64, 2, false, 2),
      new FlashTuning(128, 32, 1, true, 3), new FlashTuning(160, 32, 1, true, 3));

  /** Shared memory of the mma.sync kernel's tiles ({@code smem_bytes} in flash_attention.cuh). */
  static int flashTileBytes(int dp, int bc, int mt, boolean qs) {
    int rows = qs ? 64 * mt + 2 * bc : Math.max(64 * mt, 2 * bc);
    return rows * (dp + 8) * 2;
  }

  /** {@link #attention} on tile shape {@code t} (float16 only), where its image is loaded. */
  void attentionTuning(FlashTuning t, long q, long k, long v, long o, int b, int nq, int nk, int heads, int d, int ldq,
      int ldkv, float scale, boolean causal) {
    if (flashDim(d) != t.dp()) {
      throw new IllegalArgumentException("head size " + d + " pads to " + flashDim(d) + ", not " + t);
    }
    launch.raw(t.kernel(), new int[] {Math.ceilDiv(nq, t.rows()), heads, b}, new int[] {128, 1, 1}, t.sharedBytes(),
        q, k, v, o, nq, nk, heads, d, ldq, ldkv, (float) (scale * LOG2_E), causal ? 1 : 0);
  }

  /** Whether tile shape {@code t}'s kernel is loaded (sm_90 GPUs only). */
  boolean has(FlashTuning t) {
    return launch.has(t.kernel());
  }

  /** Query rows (one per warp) of a block of attention_wide.cu's kernel ({@code WIDE_WARPS} there). */
  static final int WIDE_WARPS = 4;
  /** Keys per shared tile of attention_wide.cu's kernel ({@code WIDE_KEYS} there). */
  static final int WIDE_KEYS = 32;

  /**
   * Row pitch, in 16-bit elements, of attention_wide.cu's shared key/value tile ({@code wide_pitch} there): even, with
   * an odd number of 32-bit words, so that lanes reading one column of 32 rows hit 32 banks.
   */
  static int widePitch(int d) {
    int words = (d + 2) / 2;
    return (words % 2 == 1 ? words : words + 1) * 2;
  }

  /** Dynamic shared memory of attention_wide.cu's kernel: the warps' float query rows, then one key/value tile. */
  static int wideSharedBytes(int d) {
    return WIDE_WARPS * d * Float.BYTES + WIDE_KEYS * widePitch(d) * 2;
  }
}
