package org.sdj.cuda;

import java.util.List;
import java.util.Optional;

/**
 * Launches of the fused attention kernels for one storage type: flash_attention_wgmma.cu (Hopper's warpgroup MMA, head
 * sizes up to 160, the default on compute capability 9.0), flash_attention.cu (tensor cores, mma.sync, head sizes up
 * to 160, any GPU from sm_80), attention_wide.cu (CUDA cores, wider heads), and the host-side figures each launch
 * depends on.
 */
final class AttentionKernels {
  /** Head sizes of the tensor-core attention kernels; d is padded up to the next one. */
  private static final int[] FLASH_DIMS = {16, 32, 48, 64, 80, 96, 128, 160};
  /** Largest head size of the CUDA-core attention kernel ({@code WIDE_MAX_D} in attention_wide.cu). */
  static final int WIDE_MAX_D = 1024;
  private static final double LOG2_E = 1.4426950408889634;

  private final Launcher launch;
  private final String suffix;
  /**
   * System property: {@code false} has the wgmma kernels' producer copy K and V with cp.async from all its threads,
   * as without tensor maps, instead of bulk tensor copies (TMA) issued by one thread (10-20% slower on an H200).
   */
  static final String WGMMA_TMA_PROPERTY = "sdj.cuda.wgmmaTma";
  /**
   * The wgmma kernels' option bit ({@code OPTION_TMA}): their producer copies K and V through the tensor maps passed
   * with the launch. Set where asked for and the operands allow it (16-byte rows and heads).
   */
  static final int WGMMA_TMA = 1;
  /** The option bit ({@code OPTION_TMA_TILE}) of 5-d whole-tile maps: one bulk copy per tile, not one per chunk. */
  static final int WGMMA_TMA_TILE = 2;
  /**
   * System property: {@code true} has the wgmma kernels' producer copy each K and V tile with one bulk tensor copy
   * (5-d tensor maps, {@link Copies#TMA_TILES}) instead of one per 8-column chunk; off by default until measured.
   */
  static final String WGMMA_TMA_TILE_PROPERTY = "sdj.cuda.wgmmaTmaTile";

  /** How the wgmma kernels' producer copies K and V tiles into shared memory. */
  enum Copies {
    /** cp.async from all 128 producer threads. */
    CP_ASYNC,
    /** One bulk tensor copy (TMA) per 8-column chunk of a tile, 4-d tensor maps (measured: 8-18% over cp.async). */
    TMA_CHUNKS,
    /** One bulk tensor copy per tile, 5-d tensor maps; falls back to {@link #TMA_CHUNKS} where the driver refuses. */
    TMA_TILES
  }
  /**
   * System property: {@code false} runs head sizes beyond the tensor-core kernels' 160 on attention_wide.cu's
   * CUDA-core kernel instead of as cuBLASLt products ({@link ProductAttention}); for benchmarks to compare.
   */
  static final String WIDE_PRODUCTS_PROPERTY = "sdj.cuda.wideProducts";
  private static final System.Logger LOG = System.getLogger(AttentionKernels.class.getName());

  /** The kernel that runs: {@code preferred}, or {@link CudaOptions.Attention#MMA} where the module lacks it. */
  private final CudaOptions.Attention kernel;
  /** How the wgmma kernels copy K and V ({@link #WGMMA_TMA_PROPERTY}, {@link #WGMMA_TMA_TILE_PROPERTY}). */
  private final Copies copies;
  /**
   * Wgmma kernels that run in place of the table's where they apply (a tuning run's: AttentionTune's, or those
   * {@link TunedKernels#PROPERTY} names), at most one per padded head size.
   */
  private final List<WgmmaKernel> tuned;
  /** Whether wgmma launches take {@link RowPlan#choose}'s plan ({@link RowPlan#PROPERTY}) rather than the plain grid. */
  private final boolean rowPlans = CudaOptions.flag(System.getProperties(), RowPlan.PROPERTY, true);
  /** Whether wide heads run as products ({@link #WIDE_PRODUCTS_PROPERTY}). */
  private final boolean wideProducts = CudaOptions.flag(System.getProperties(), WIDE_PRODUCTS_PROPERTY, true);
  /** Set once the driver refuses a tensor map: the wgmma kernels copy with cp.async from then on. */
  private volatile boolean mapsRefused;
  /** Set once the driver refuses a whole-tile map: the wgmma kernels copy by chunks from then on. */
  private volatile boolean tileMapsRefused;

  /**
   * Attention on {@code preferred} where the module has it (the wgmma kernels' image carries sm_90a code only, so it
   * loads on compute capability 9.0 alone), else on the mma.sync kernel; its copies as the system properties say
   * ({@link #propertyCopies}), and so the tuned kernels in place of the table's ({@link TunedKernels}: none unless a
   * diagnostic property names them).
   */
  AttentionKernels(Launcher launch, CudaOptions.Attention preferred) {
    this(launch, preferred, propertyCopies(), TunedKernels.kernels(System.getProperties(), launch.suffix()));
  }

  /** The table's kernels, copying as {@code copies} says. */
  AttentionKernels(Launcher launch, CudaOptions.Attention preferred, Copies copies) {
    this(launch, preferred, copies, List.of());
  }

  /**
   * The wgmma kernels, {@code tuned} (a kernel of another image than sdj's, which {@code launch} has) where it runs a
   * launch the table's kernel of its padded head size would ({@link #wgmmaKernel}), the table's elsewhere.
   */
  AttentionKernels(Launcher launch, Copies copies, WgmmaKernel tuned) {
    this(launch, CudaOptions.Attention.WGMMA, copies, List.of(tuned));
  }

  /** {@code tuned}: at most one kernel per padded head size, each of the launcher's storage type. */
  AttentionKernels(Launcher launch, CudaOptions.Attention preferred, Copies copies, List<WgmmaKernel> tuned) {
    this.launch = launch;
    this.suffix = launch.suffix();
    this.kernel = preferred == CudaOptions.Attention.MMA || WgmmaKernel.TABLE.stream()
        .anyMatch(r -> r.suffix().equals(suffix) && launch.has(r.kernel().name())) ? preferred
        : CudaOptions.Attention.MMA;
    this.copies = copies;
    this.tuned = tuned;
  }

  /**
   * The wgmma kernel for head size {@code d}: the table's ({@link WgmmaKernel#forHead}), or a tuned one where it has
   * that kernel's padded head size and fits d; none beyond the table's largest.
   */
  Optional<WgmmaKernel> wgmmaKernel(int d) {
    return WgmmaKernel.forHead(suffix, d)
        .map(t -> tuned.stream().filter(k -> k.dp() == t.dp() && k.fits(d)).findFirst().orElse(t));
  }

  /** The tuned kernels that run in place of the table's, for a backend's description ("" where none). */
  String tunedNote() {
    return tuned.isEmpty() ? ""
        : ", tuned attention kernels " + String.join(" ", tuned.stream().map(WgmmaKernel::name).toList());
  }

  /**
   * {@link Copies#TMA_CHUNKS} by default; {@link Copies#CP_ASYNC} where {@link #WGMMA_TMA_PROPERTY} is false,
   * {@link Copies#TMA_TILES} where {@link #WGMMA_TMA_TILE_PROPERTY} is true.
   */
  static Copies propertyCopies() {
    if (!CudaOptions.flag(System.getProperties(), WGMMA_TMA_PROPERTY, true)) {
      return Copies.CP_ASYNC;
    }
    return CudaOptions.flag(System.getProperties(), WGMMA_TMA_TILE_PROPERTY, false) ? Copies.TMA_TILES
        : Copies.TMA_CHUNKS;
  }

  /**
   * Whether attention at head size {@code d} over {@code nk} keys runs as {@link ProductAttention}: beyond the
   * tensor-core kernels' sizes, with keys, unless {@link #WIDE_PRODUCTS_PROPERTY} is false.
   */
  boolean byProducts(int d, long nk) {
    return wideProducts && flashDim(d) < 0 && nk > 0;
  }

  /** Which kernel runs fused attention (a wgmma one only for the head sizes it provides). */
  CudaOptions.Attention kernel() {
    return kernel;
  }

  /** Whether fused attention runs on flash_attention_wgmma.cu's kernels for the head sizes they provide. */
  boolean wgmmaAttention() {
    return kernel == CudaOptions.Attention.WGMMA;
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

  /**
   * {@code o [b, nq, heads*d] = softmax(q k^T * scale) v} per head, fused: on the tensor cores up to the largest
   * padded head size (on the wgmma kernel where it is on and has the size), on the CUDA cores beyond it. Head
   * {@code h} of a row is its columns {@code h*d .. h*d+d-1}; q's rows are {@code ldq} elements apart, k's and v's
   * {@code ldkv} (wider than {@code heads*d} where they are column blocks of packed projections), o's {@code heads*d}.
   */
  void attention(long q, long k, long v, long o, int b, int nq, int nk, int heads, int d, int ldq, int ldkv,
      float scale, boolean causal) {
    float scaleLog2 = (float) (scale * LOG2_E);
    Optional<WgmmaKernel> wgmma = wgmmaAttention() ? wgmmaKernel(d) : Optional.empty();
    Maps maps = wgmma.map(w -> tensorMaps(k, v, b, nk, heads, d, ldkv, w)).orElse(Maps.NONE);
    if (wgmma.isPresent() && wgmma.get().persistent() && (maps.options() == 0 || scale < 0)) {
      // A persistent kernel copies its tiles through its tensor maps only, and takes a positive scale only: without
      // them, the table's kernel or none.
      wgmma = WgmmaKernel.forHead(suffix, d).filter(w -> !w.persistent());
      maps = wgmma.map(w -> tensorMaps(k, v, b, nk, heads, d, ldkv, w)).orElse(Maps.NONE);
    }
    int dp = flashDim(d);
    if (wgmma.isPresent()) {
      WgmmaKernel runs = wgmma.get();
      WgmmaKernel.Shape shape = runs.shape();
      int qblocks = Math.ceilDiv(nq, shape.rows());
      int cluster = runs.cluster();
      // A persistent kernel's grid: about one block per SM, split between the batch items, each block taking query
      // blocks and heads in turn. A cluster kernel's: whole clusters wide, a block past the last query row copying and
      // waiting as its partner does, and writing nothing. Any other's: the row plan expected to end soonest.
      RowPlan plan = runs.persistent() || cluster > 1 || !rowPlans ? RowPlan.plain(nq, shape.rows())
          : RowPlan.choose(nq, shape.consumers(), heads * b, launch.multiprocessors());
      int[] grid = runs.persistent()
          ? new int[] {Math.min(qblocks * heads, Math.max(1, launch.multiprocessors() / b)), 1, b}
          : new int[] {Math.ceilDiv(plan.blocks(), cluster) * cluster, heads, b};
      launch.clustered(runs.name(), grid, new int[] {shape.threads(), 1, 1}, cluster, runs.sharedBytes(), q, k, v,
          o, nq, nk, heads, d, ldq, ldkv, scaleLog2, causal ? 1 : 0, maps.options() | plan.option(), maps.k(),
          maps.v());
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

  /** The tensor maps of a wgmma launch and the option bits they go with. */
  private record Maps(TensorMap k, TensorMap v, int options) {
    static final Maps NONE = new Maps(TensorMap.NONE, TensorMap.NONE, 0);
  }

  /**
   * The wgmma kernels' tensor maps of k and v for kernel {@code runs} and the option bits they go with; or
   * {@link Maps#NONE} where the kernels copy with cp.async instead: where asked to, where the operands are not in
   * whole 16-byte pieces (the kernels' plain-load path), or once the driver has refused a map.
   * {@link Copies#TMA_CHUNKS}: a 4-d view {@code [b][nk][heads][d]} (dimension 0 first: d, heads, keys, batch items;
   * rows ldkv elements apart) with boxes of 8 columns x 1 head x a tile's keys x 1 item, one 8-column chunk
   * of a tile; with swizzled tiles, boxes of a column block (swizzle / 2 columns) in place of the chunk, with that
   * swizzle. {@link Copies#TMA_TILES} (chunked tiles, all of whose chunks are copied: not for the kernels whose V
   * holds a column of ones): a 5-d view (8 columns, keys, chunks 16 bytes apart, heads, batch items) with boxes of 8
   * x keys x dp / 8 x 1 x 1, a whole tile, which lands chunk after chunk as the tile layout has them (not for cluster
   * kernels, whose blocks share a tile's copies).
   */
  private Maps tensorMaps(long k, long v, int b, int nk, int heads, int d, int ldkv, WgmmaKernel runs) {
    int keys = runs.shape().keys();
    int dp = runs.dp();
    if (copies == Copies.CP_ASYNC || mapsRefused || nk == 0 || d % 8 != 0 || ldkv % 8 != 0
        || ((k | v) & 15) != 0) {
      return Maps.NONE;
    }
    if (copies == Copies.TMA_TILES && runs.swizzle() == 0 && !runs.ones() && runs.cluster() == 1
        && !tileMapsRefused) {
      long[] dims = {8, nk, d / 8, heads, b};
      long[] strides = {2L * ldkv, 16, 2L * d, 2L * nk * ldkv};
      int[] box = {8, keys, dp / 8, 1, 1};
      try {
        return new Maps(launch.tensorMap(k, dims, strides, box, 0), launch.tensorMap(v, dims, strides, box, 0),
            WGMMA_TMA | WGMMA_TMA_TILE);
      } catch (CudaException e) {
        tileMapsRefused = true;
        LOG.log(System.Logger.Level.WARNING, "the driver refused a whole-tile tensor map of K or V (" + e.getMessage()
            + "); the wgmma attention kernels copy them by chunks instead");
      }
    }
    long[] dims = {d, heads, nk, b};
    long[] strides = {2L * d, 2L * ldkv, 2L * nk * ldkv};
    int swizzle = runs.swizzle();
    int[] box = {swizzle > 0 ? swizzle / 2 : 8, 1, keys, 1};
    try {
      return new Maps(launch.tensorMap(k, dims, strides, box, swizzle),
          launch.tensorMap(v, dims, strides, box, swizzle), WGMMA_TMA);
    } catch (CudaException e) {
      mapsRefused = true;
      LOG.log(System.Logger.Level.WARNING, "the driver refused a tensor map of K or V (" + e.getMessage()
          + "); the wgmma attention kernels copy them with cp.async instead");
      return Maps.NONE;
    }
  }

  /** Shared memory of the mma.sync kernel's tiles ({@code smem_bytes} in flash_attention.cuh). */
  static int flashTileBytes(int dp, int bc, int mt, boolean qs) {
    int rows = qs ? 64 * mt + 2 * bc : Math.max(64 * mt, 2 * bc);
    return rows * (dp + 8) * 2;
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
