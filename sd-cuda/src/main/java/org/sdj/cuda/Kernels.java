package org.sdj.cuda;

import java.util.function.Supplier;
import org.bytedeco.cuda.cudart.CUstream_st;
import org.sdj.backend.Activation;
import org.sdj.backend.DType;

/**
 * Typed launches of sdj's kernels ({@code src/main/cuda}) for one storage type: each method computes the grid and
 * passes the arguments in the kernel's order. Addresses are device pointers; 0 stands for an absent operand.
 */
final class Kernels {
  private static final int THREADS = 256;
  private static final int MAX_BLOCKS = 1 << 16;
  /** Head sizes of the tensor-core attention kernels; d is padded up to the next one. */
  private static final int[] FLASH_DIMS = {16, 32, 48, 64, 80, 96, 128, 160};
  /** Largest head size of the CUDA-core attention kernel ({@code WIDE_MAX_D} in attention_wide.cu). */
  static final int WIDE_MAX_D = 1024;
  private static final double LOG2_E = 1.4426950408889634;


  /** Padded head sizes of flash_attention_wgmma.cu's kernels ({@code SDJ_WGMMA_ALL} there). */
  private static final int[] WGMMA_DIMS = {48, 64, 80, 128, 160};
  /** Query rows per block of flash_attention_wgmma.cu's kernel: two warpgroups of 64 ({@code BR} there). */
  static final int WGMMA_ROWS = 128;
  /** Threads per block of flash_attention_wgmma.cu's kernel ({@code THREADS} there). */
  static final int WGMMA_THREADS = 256;

  private final KernelModule module;
  private final Supplier<CUstream_st> streams;
  private final String suffix;
  private final boolean wgmma;

  /**
   * Kernels enqueued on the stream {@code streams} gives the calling thread; attention on the wgmma kernel where
   * {@code wgmmaAttention} asks for it and the module has it (its image carries sm_90a code only, so it loads on
   * compute capability 9.0 alone).
   */
  Kernels(KernelModule module, Supplier<CUstream_st> streams, DType type, boolean wgmmaAttention) {
    this.module = module;
    this.streams = streams;
    this.suffix = type == DType.BF16 ? "_bf16" : "_f16";
    this.wgmma = wgmmaAttention && module.has(wgmmaKernel(suffix, WGMMA_DIMS[0]));
  }

  /** Whether fused attention runs on flash_attention_wgmma.cu's kernel for the head sizes it provides. */
  boolean wgmmaAttention() {
    return wgmma;
  }

  private void elementwise(String name, long n, Object... args) {
    launchElementwise(name + suffix, n, args);
  }

  /** A grid-stride kernel by its full name (the float32 ones carry no storage-type suffix of this backend's). */
  private void launchElementwise(String kernel, long n, Object... args) {
    int blocks = (int) Math.min(MAX_BLOCKS, Math.ceilDiv(n, THREADS));
    module.launch(streams.get(), kernel, new int[] {blocks, 1, 1}, new int[] {THREADS, 1, 1}, 0, args);
  }

  void activation(long x, long y, Activation kind, long n) {
    elementwise("sdj_activation", n, x, y, kind.ordinal(), n);
  }

  void geglu(long x, long y, long rows, long half) {
    if (gegluVectorized(x, y, half)) {
      elementwise("sdj_geglu_vec", rows * half / 8, x, y, rows, half);
    } else {
      elementwise("sdj_geglu", rows * half, x, y, rows, half);
    }
  }

  /** Whether GEGLU can move 8 elements per 16-byte access: whole vectors per row, both tensors aligned. */
  static boolean gegluVectorized(long x, long y, long half) {
    return half % 8 == 0 && x % 16 == 0 && y % 16 == 0;
  }

  void add(long a, long b, long y, long n, long nb) {
    elementwise("sdj_add", n, a, b, y, n, nb);
  }

  /** {@code y [N, C, spatial] = x + b [N, C]} broadcast over each channel's {@code spatial} elements. */
  void addPerChannel(long x, long b, long y, long n, long spatial) {
    if (addPerChannelVectorized(x, y, n, spatial)) {
      elementwise("sdj_add_per_channel_vec", n / 8, x, b, y, (int) (n / 8), (int) (spatial / 8));
    } else {
      elementwise("sdj_add_per_channel", n, x, b, y, n, spatial);
    }
  }

  /**
   * Whether the per-channel add can move 16-byte vectors: each channel's elements are whole vectors (so one bias per
   * vector), {@code x} and {@code y} are 16-byte aligned, and the vectors fit the kernel's 32-bit index.
   */
  static boolean addPerChannelVectorized(long x, long y, long n, long spatial) {
    return spatial % 8 == 0 && x % 16 == 0 && y % 16 == 0 && vectorIndexFits(n);
  }

  /** Whether {@code n} elements, counted in 8-element vectors, fit a vector kernel's 32-bit index. */
  static boolean vectorIndexFits(long n) {
    return n / 8 < Integer.MAX_VALUE;
  }

  /** {@code y = x * factor} on 16-bit storage, or on float32 storage. */
  void scale(long x, long y, float factor, long n, boolean f32) {
    launchElementwise("sdj_scale" + (f32 ? "_f32" : suffix), n, x, y, factor, n);
  }

  /** {@code out = a * x + b * y} on 16-bit storage, or on float32 storage. */
  void combine(long x, long y, long out, float a, float b, long n, boolean f32) {
    launchElementwise("sdj_combine" + (f32 ? "_f32" : suffix), n, x, y, out, a, b, n);
  }

  /** Float32 {@code y} from 16-bit {@code x}. */
  void toFloat32(long x, long y, long n) {
    launchElementwise("sdj_cast" + suffix + "_to_f32", n, x, y, n);
  }

  /** 16-bit {@code y} from float32 {@code x}, rounded to nearest even. */
  void fromFloat32(long x, long y, long n) {
    launchElementwise("sdj_cast_f32_to" + suffix, n, x, y, n);
  }

  void biasResidual(long y, long bias, long residual, long n, long channels, long spatial) {
    elementwise("sdj_bias_residual", n, y, bias, residual, n, channels, spatial);
  }

  void slice(long x, long y, long outer, long srcRow, long offset, long dstRow) {
    elementwise("sdj_slice", outer * dstRow, x, y, outer, srcRow, offset, dstRow);
  }

  /** {@code y [outer, aRow + bRow] = a [outer, aRow] ++ b [outer, bRow]}, rows counted in 16-bit elements. */
  void concat(long a, long b, long y, long outer, long aRow, long bRow) {
    if (concatVectorized(a, b, y, outer, aRow, bRow)) {
      elementwise("sdj_concat_vec", outer * (aRow + bRow) / 8, a, b, y, (int) outer, (int) (aRow / 8),
          (int) (bRow / 8));
    } else {
      elementwise("sdj_concat", outer * (aRow + bRow), a, b, y, outer, aRow, bRow);
    }
  }

  /**
   * Whether a concat can copy 16-byte vectors: both rows are whole vectors (so every output row starts on one), all
   * three tensors are 16-byte aligned, and the vectors fit the kernel's 32-bit index.
   */
  static boolean concatVectorized(long a, long b, long y, long outer, long aRow, long bRow) {
    return aRow % 8 == 0 && bRow % 8 == 0 && a % 16 == 0 && b % 16 == 0 && y % 16 == 0
        && vectorIndexFits(outer * (aRow + bRow));
  }

  /** Side of the vectorized transpose's square tile ({@code TRANSPOSE_TILE} in layout.cu). */
  static final int TRANSPOSE_TILE = 64;
  /** Threads of one vectorized transpose block ({@code TRANSPOSE_THREADS} in layout.cu, its launch bound). */
  static final int TRANSPOSE_THREADS = 256;

  /** {@code y [batch, cols, rows]} = transpose of {@code x [batch, rows, cols]}. */
  void transpose(long x, long y, int batch, int rows, int cols) {
    if (transposeVectorized(x, y, rows, cols)) {
      module.launch(streams.get(), "sdj_transpose_vec" + suffix, transposeGrid(batch, rows, cols),
          new int[] {TRANSPOSE_THREADS, 1, 1}, 0, x, y, rows, cols);
    } else {
      module.launch(streams.get(), "sdj_transpose" + suffix,
          new int[] {Math.ceilDiv(cols, 32), Math.ceilDiv(rows, 32), batch}, new int[] {32, 8, 1}, 0, x, y, rows,
          cols);
    }
  }

  /**
   * Whether a transpose can read and write 16-byte vectors: rows and columns are whole vectors (so each vector lies
   * inside the matrix or outside it, and every batch starts aligned) and {@code x}, {@code y} are 16-byte aligned.
   */
  static boolean transposeVectorized(long x, long y, int rows, int cols) {
    return rows % 8 == 0 && cols % 8 == 0 && x % 16 == 0 && y % 16 == 0;
  }

  /** The vectorized transpose's grid: one block per 64 x 64 tile of each matrix. */
  static int[] transposeGrid(int batch, int rows, int cols) {
    return new int[] {Math.ceilDiv(cols, TRANSPOSE_TILE), Math.ceilDiv(rows, TRANSPOSE_TILE), batch};
  }

  void upsampleNearest(long x, long y, long planes, int h, int w, int oh, int ow) {
    elementwise("sdj_upsample_nearest", planes * oh * ow, x, y, planes, h, w, oh, ow);
  }

  void embedding(long table, long ids, long y, long count, long width) {
    elementwise("sdj_embedding", count * width, table, ids, y, count, width);
  }

  /**
   * {@code col [n, oh*ow, c*kh*kw]} = each output pixel's receptive field in {@code x [n, c, h, w]}, zeros past its
   * edges (padding {@code top}/{@code left}; bottom and right follow from {@code oh}, {@code ow}).
   */
  void im2col(long x, long col, int n, int c, int h, int w, int kh, int kw, int stride, int top, int left, int oh,
      int ow) {
    if (!im2colFits(n, c, oh * ow)) {
      throw new IllegalArgumentException("im2col of " + n + " x " + c + " channels x " + oh * ow + " pixels exceeds 2^31");
    }
    elementwise("sdj_im2col", (long) n * oh * ow * c, x, col, n, c, h, w, kh, kw, stride, top, left, oh, ow);
  }

  /** Whether im2col's (pixel, channel) pairs fit its 32-bit indices. */
  static boolean im2colFits(long n, long c, long pixels) {
    return n * c * pixels < Integer.MAX_VALUE;
  }

  void pad2d(long x, long y, long planes, int h, int w, int top, int left, int ph, int pw) {
    elementwise("sdj_pad2d", planes * ph * pw, x, y, planes, h, w, top, left, ph, pw);
  }

  /**
   * Blocks a group norm aims for: about 8 resident 256-thread blocks on each SM of a 132-SM GPU. One block per (sample,
   * group) gives only 64 for the UNet's batch of 2 x 32 groups, so every group is cut into chunks of one block each.
   */
  private static final long GROUP_TARGET_BLOCKS = 1024;
  /** Fewest elements per chunk: one 16-byte vector per thread; smaller chunks only add merging. */
  static final int GROUP_MIN_CHUNK = THREADS * 8;
  /**
   * Largest group (elements of one sample's group) the kernels take: they index inside a group in 32-bit, and half
   * the int range leaves room for a thread's stride past the end.
   */
  static final long GROUP_MAX_COUNT = 1L << 30;
  /** Widest layer-norm row held in registers ({@code ROW_VECS} x 32 lanes x 8 in norms.cu); wider rows go scalar. */
  static final int LAYER_VEC_MAX_WIDTH = 1280;

  /**
   * Elements per chunk of a group norm over {@code groupsInBatch = n * groups} groups of {@code count} elements: the
   * kernels take it as given, so this is the one place the cut is decided. A multiple of 8, so that chunks of a
   * vectorized group norm hold whole 16-byte vectors.
   *
   * @throws IllegalArgumentException if a group exceeds {@link #GROUP_MAX_COUNT} elements
   */
  static int groupChunk(long groupsInBatch, long count) {
    if (count > GROUP_MAX_COUNT) {
      throw new IllegalArgumentException("groupNorm: a group of " + count + " elements exceeds the CUDA backend's "
          + GROUP_MAX_COUNT + "; use more groups or a smaller image");
    }
    long wanted = Math.ceilDiv(GROUP_TARGET_BLOCKS, Math.max(1, groupsInBatch));
    long chunk = Math.max(GROUP_MIN_CHUNK, Math.ceilDiv(count, wanted));
    return (int) Math.ceilDiv(chunk, 8) * 8;
  }

  /**
   * Chunks (blocks) per group, each a whole {@link #groupChunk} but the last; at least 1, at most
   * {@code GROUP_TARGET_BLOCKS}, so within a grid's y limit. The stats scratch holds {@code 2 * groupsInBatch * splits}
   * floats.
   */
  static int groupSplits(long groupsInBatch, long count) {
    return (int) Math.max(1, Math.ceilDiv(count, groupChunk(groupsInBatch, count)));
  }

  /**
   * Whether a group norm may move 16-byte vectors: a channel's elements then come in whole vectors (so one channel per
   * vector), chunks start on vector boundaries, and {@code x} and {@code y} are 16-byte aligned.
   */
  static boolean groupVectorized(long spatial, int chunk, long x, long y) {
    return spatial % 8 == 0 && chunk % 8 == 0 && ((x | y) & 15) == 0;
  }

  /** Whether a layer norm may keep its rows in registers as 16-byte vectors. */
  static boolean layerVectorized(int width, long x, long gamma, long beta, long y) {
    return width % 8 == 0 && width <= LAYER_VEC_MAX_WIDTH && ((x | gamma | beta | y) & 15) == 0;
  }

  /**
   * {@code y = groupNorm(x)} (then SiLU) over {@code x [n, channels, spatial]}; {@code stats} holds
   * {@code 2 * n * groups * groupSplits(n * groups, count)} floats of scratch.
   */
  void groupNorm(long x, long gamma, long beta, long y, int n, int channels, long spatial, int groups, float eps,
      boolean silu, long stats) {
    long groupsInBatch = (long) n * groups;
    long count = channels / groups * spatial;
    if (groupsInBatch == 0 || count == 0) {
      return;
    }
    int chunk = groupChunk(groupsInBatch, count);
    int[] grid = {Math.toIntExact(groupsInBatch), groupSplits(groupsInBatch, count), 1};
    int vec = groupVectorized(spatial, chunk, x, y) ? 1 : 0;
    module.launch(streams.get(), "sdj_group_stats" + suffix, grid, new int[] {THREADS, 1, 1}, 0, x, stats,
        (int) count, chunk, vec);
    module.launch(streams.get(), "sdj_group_apply" + suffix, grid, new int[] {THREADS, 1, 1}, 0, x, stats, gamma, beta,
        y, channels, (int) spatial, groups, (int) count, chunk, eps, silu ? 1 : 0, vec);
  }

  void layerNorm(long x, long gamma, long beta, long y, long rows, int width, float eps) {
    if (rows == 0) {
      return;
    }
    int rowsPerBlock = THREADS / 32;
    int vec = layerVectorized(width, x, gamma, beta, y) ? 1 : 0;
    module.launch(streams.get(), "sdj_layer_norm" + suffix, new int[] {(int) Math.ceilDiv(rows, rowsPerBlock), 1, 1},
        new int[] {THREADS, 1, 1}, 0, x, gamma, beta, y, rows, width, eps, vec);
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
      case 128, 160 -> (128 + 2 * 32) * (dp + 8) * 2;
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

  /** Keys per tile of flash_attention_wgmma.cu's kernel for padded head size {@code dp} ({@code BC} there). */
  static int wgmmaKeys(int dp) {
    return dp == 80 ? 64 : 128;
  }

  /**
   * Dynamic shared memory of flash_attention_wgmma.cu's kernel ({@code smem_bytes} there): the query tile and two
   * stages of K and V tiles, {@code dp} 16-bit columns each; all of it dynamic (the kernel traps on less).
   */
  static int wgmmaSharedBytes(int dp) {
    return (WGMMA_ROWS + 4 * wgmmaKeys(dp)) * dp * 2;
  }

  private static String wgmmaKernel(String suffix, int dp) {
    return "sdj_flash_attention_wgmma" + suffix + "_d" + dp;
  }

  /**
   * {@code o [b, nq, heads*d] = softmax(q k^T * scale) v} per head, fused: on the tensor cores up to the largest
   * padded head size (on the wgmma kernel where it is on and has the size), on the CUDA cores beyond it.
   */
  void attention(long q, long k, long v, long o, int b, int nq, int nk, int heads, int d, float scale,
      boolean causal) {
    float scaleLog2 = (float) (scale * LOG2_E);
    int dp = flashDim(d);
    if (dp > 0 && wgmma && wgmmaDim(dp)) {
      module.launch(streams.get(), wgmmaKernel(suffix, dp), new int[] {Math.ceilDiv(nq, WGMMA_ROWS), heads, b},
          new int[] {WGMMA_THREADS, 1, 1}, wgmmaSharedBytes(dp), q, k, v, o, nq, nk, heads, d, scaleLog2,
          causal ? 1 : 0);
    } else if (dp > 0) {
      module.launch(streams.get(), "sdj_flash_attention" + suffix + "_d" + dp,
          new int[] {Math.ceilDiv(nq, flashRows(dp)), heads, b}, new int[] {128, 1, 1}, flashSharedBytes(dp),
          q, k, v, o, nq, nk, heads, d, scaleLog2, causal ? 1 : 0);
    } else {
      module.launch(streams.get(), "sdj_attention_wide" + suffix, new int[] {Math.ceilDiv(nq, WIDE_WARPS), heads, b},
          new int[] {32 * WIDE_WARPS, 1, 1}, wideSharedBytes(d), q, k, v, o, nq, nk, heads, d, scaleLog2,
          causal ? 1 : 0);
    }
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
