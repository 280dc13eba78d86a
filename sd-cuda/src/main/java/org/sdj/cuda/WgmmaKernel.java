package org.sdj.cuda;

import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One kernel of wgmma_kernel.cuh's template as a launch needs to know it: a row of flash_attention_wgmma.cu's table
 * ({@link #TABLE}, {@link #forHead}), or of the attention tuning image's (src/test/tune, whose names AttentionTune
 * reads).
 *
 * @param name the kernel's {@code extern "C"} name
 * @param dp the padded head size it runs
 * @param shape keys per tile, stages of K and V tiles, consumer warpgroups
 * @param swizzle the swizzle width in bytes of its K and V tiles' column blocks, 0 for chunked tiles
 * @param ones whether it makes the rows' sums from a column of ones in V's last chunk, which its producer never copies
 *     (head sizes up to {@code dp - 8})
 * @param cluster blocks per cluster along x (1: none), whose producers share the K and V tiles' copies
 *     ({@code FLAG_CLUSTER}); its grid is a whole number of clusters wide
 * @param persistent whether its blocks are persistent ({@code FLAG_PERSISTENT}): a grid of about one block per SM,
 *     each taking (query block, head) pairs of its batch item in turn; it runs only with its tensor maps and a
 *     positive scale
 */
record WgmmaKernel(String name, int dp, Shape shape, int swizzle, boolean ones, int cluster, boolean persistent) {
  /** wgmma_kernel.cuh's {@code FLAG_CLUSTER}: clusters of two blocks. */
  static final int FLAG_CLUSTER = 8;
  /** wgmma_kernel.cuh's {@code FLAG_PERSISTENT}: persistent blocks. */
  static final int FLAG_PERSISTENT = 32;
  /**
   * wgmma_kernel.cuh's diagnostic flags of the tuning image, {@code FLAG_COPIES_ONLY} and {@code FLAG_PRODUCTS_ONLY}:
   * a kernel that times one part of its shape alone and writes NaN for output.
   */
  static final int FLAG_DIAGNOSTICS = 64 | 128;

  /** Blocks per cluster of a kernel with {@code flags} ({@code cluster_of} in wgmma_kernel.cuh). */
  static int clusterOf(int flags) {
    return (flags & FLAG_CLUSTER) != 0 ? 2 : 1;
  }

  /** Whether a kernel with {@code flags} has persistent blocks. */
  static boolean persistentOf(int flags) {
    return (flags & FLAG_PERSISTENT) != 0;
  }

  /** Keys per tile ({@code BC}), stages of K and of V tiles, consumer warpgroups (64 query rows each). */
  record Shape(int keys, int stages, int consumers) {
    /** Query rows per block. */
    int rows() {
      return 64 * consumers;
    }

    /** Threads per block: a producer warpgroup and the consumers. */
    int threads() {
      return 128 * (1 + consumers);
    }
  }

  /**
   * A row of flash_attention_wgmma.cu's table ({@code SDJ_WGMMA}): the storage type's suffix, padded head size, keys
   * per tile, stages, consumers, the K and V tiles' swizzle width, the softmax form ({@code SOFTMAX_F32} 0,
   * {@code _ONES} 1, {@code _F16} 2) and the flags (of which {@link #FLAG_CLUSTER} changes the launch).
   */
  record Row(String suffix, int dp, int keys, int stages, int consumers, int swizzle, int softmax, int flags) {
    /** The table's kernel of this row. */
    WgmmaKernel kernel() {
      return kernel("sdj_flash_attention_wgmma" + suffix + "_d" + dp);
    }

    /** The kernel of this row named {@code name} (a tuning image's). */
    WgmmaKernel kernel(String name) {
      return new WgmmaKernel(name, dp, new Shape(keys, stages, consumers), swizzle, softmax != 0, clusterOf(flags),
          persistentOf(flags));
    }

    /**
     * The row a tuning kernel's name says ({@link #TUNING_NAME}).
     *
     * @throws IllegalArgumentException where {@code name} is not a tuning kernel's
     */
    static Row ofTuning(String name) {
      Matcher m = TUNING_NAME.matcher(name);
      if (!m.matches()) {
        throw new IllegalArgumentException("not a tuning kernel's name: '" + name + "' (sdj_tune_f16_d128_k128_s2_c2"
            + "_w0_x0_f1: storage type, padded head size, keys, stages, consumers, swizzle, softmax, flags)");
      }
      int[] v = new int[7];
      for (int i = 0; i < 7; i++) {
        v[i] = Integer.parseInt(m.group(2 + i));
      }
      return new Row("_" + m.group(1), v[0], v[1], v[2], v[3], v[4], v[5], v[6]);
    }

    /** Whether it is a diagnostic, not attention ({@link #FLAG_DIAGNOSTICS}). */
    boolean diagnostic() {
      return (flags & FLAG_DIAGNOSTICS) != 0;
    }

    /** Its name in the attention tuning image. */
    String tuningName() {
      return "sdj_tune" + suffix + "_d" + dp + "_k" + keys + "_s" + stages + "_c" + consumers + "_w" + swizzle + "_x"
          + softmax + "_f" + flags;
    }
  }

  /**
   * The attention tuning image's kernel {@code name} ({@link #TUNING_NAME}).
   *
   * @throws IllegalArgumentException where {@code name} is not a tuning kernel's
   */
  static WgmmaKernel tuning(String name) {
    return Row.ofTuning(name).kernel(name);
  }

  /**
   * The names of the attention tuning image's kernels (src/test/tune/attention_tune.cu): storage type, padded head
   * size, keys per tile, stages, consumers, swizzle width, softmax form, flags, as {@link Row} has them.
   */
  static final Pattern TUNING_NAME =
      Pattern.compile("sdj_tune_(f16|bf16)_d(\\d+)_k(\\d+)_s(\\d+)_c(\\d+)_w(\\d+)_x(\\d)_f(\\d+)");

  /**
   * flash_attention_wgmma.cu's table, in its order (FlashAttentionWgmmaLaunchTest compares them): by storage type, then
   * padded head size. The fastest non-persistent rows of AttentionTune's sweeps on an H200 (flash_attention_wgmma.cu
   * says how much each won): swizzled K and V tiles from padded head size 64 up, four consumers where their loop fits
   * 112 registers (48 and 64), else three where it fits 160, else two.
   */
  static final List<Row> TABLE = List.of(
      new Row("_f16", 48, 80, 4, 4, 0, 1, 2565),
      new Row("_f16", 64, 64, 4, 4, 128, 0, 2055),
      new Row("_f16", 80, 112, 3, 3, 32, 0, 2563),
      new Row("_f16", 128, 128, 2, 2, 128, 0, 3591),
      new Row("_f16", 160, 128, 2, 2, 64, 0, 535),
      new Row("_bf16", 48, 80, 4, 4, 0, 1, 2565),
      new Row("_bf16", 64, 64, 4, 4, 128, 0, 2055),
      new Row("_bf16", 80, 112, 3, 3, 32, 0, 2563),
      new Row("_bf16", 128, 128, 2, 2, 128, 0, 3591),
      new Row("_bf16", 160, 128, 2, 2, 64, 0, 535));

  /**
   * The table's kernel for head size {@code d} in the storage type of {@code suffix}, where the table has a row for d's
   * padded size ({@link AttentionKernels#flashDim}; the others stay on the mma.sync kernel): that row's, or, where it
   * keeps a column of ones in the last chunk d reaches into, the next row that {@link #fits} d.
   */
  static Optional<WgmmaKernel> forHead(String suffix, int d) {
    int dp = AttentionKernels.flashDim(d);
    return TABLE.stream().filter(r -> r.suffix().equals(suffix) && r.dp() == dp).findFirst()
        .flatMap(first -> TABLE.stream().filter(r -> r.suffix().equals(suffix) && r.dp() >= dp).map(Row::kernel)
            .filter(k -> k.fits(d)).findFirst());
  }

  /** Whether it runs head size {@code d}: up to its padded size, less the chunk that holds its column of ones. */
  boolean fits(int d) {
    return d >= 1 && d <= dp - (ones ? 8 : 0);
  }

  /**
   * Its dynamic shared memory ({@code ws_smem_bytes} in wgmma_kernel.cuh): the query tile and the stages of K and V
   * tiles, {@code dp} 16-bit columns each, then the mbarriers (8 bytes each: the query tile's and four per stage, and
   * with persistent blocks the query tile's second), and with swizzled tiles 1024 bytes to move their stages onto a
   * multiple of 1024; all of it dynamic (it traps on less).
   */
  int sharedBytes() {
    return (shape.rows() + 2 * shape.stages() * shape.keys()) * dp * 2
        + (1 + 4 * shape.stages() + (persistent ? 1 : 0)) * 8 + (swizzle > 0 ? 1024 : 0);
  }
}
