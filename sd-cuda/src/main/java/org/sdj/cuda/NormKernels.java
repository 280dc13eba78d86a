package org.sdj.cuda;

import java.util.Optional;

/**
 * Launches of norms.cu's kernels for one storage type: group norm (statistics per chunk, then merge and apply; or,
 * channels-last where asked, {@link ClusterGroupNorm}'s one kernel) and layer norm, and the host-side choices they
 * depend on (chunking, 16-byte vector paths).
 */
final class NormKernels {
  private final Launcher launch;
  private final long clusterMaxPixels;

  /** Launches through {@code launch}, with {@link #CLUSTER_PROPERTY}'s choice of channels-last group norm. */
  NormKernels(Launcher launch) {
    this(launch, clusterMaxPixels(System.getProperty(CLUSTER_PROPERTY, CLUSTER_DEFAULT)));
  }

  /**
   * Launches through {@code launch}; channels-last group norms of up to {@code clusterMaxPixels} pixels a sample in one
   * kernel ({@link ClusterGroupNorm}) where it is loaded (compute capability 9.0 and newer) and applies (0: none).
   */
  NormKernels(Launcher launch, long clusterMaxPixels) {
    this.launch = launch;
    this.clusterMaxPixels = clusterMaxPixels;
  }

  /**
   * System property: {@code true} runs channels-last group norms as {@link ClusterGroupNorm}'s one kernel where it
   * applies, {@code false} none, a number only those of up to that many pixels a sample ({@value #CLUSTER_DEFAULT} by
   * default). On an H200 the one kernel beat the three at 64 and 256 pixels and lost at 4096 (GroupNormBench, runs 10
   * and 11); a UNet step in its CUDA graph took 3% longer with every norm on it (run 10), and 4.0% less with those of
   * up to 1024 pixels, 3.1% less with those of up to 256 (run 11: 6.21 and 6.27 ms against 6.47; UNetStepBench).
   */
  static final String CLUSTER_PROPERTY = "sdj.cuda.groupNormCluster";
  /** {@link #CLUSTER_PROPERTY}'s default: the one kernel for group norms of up to 1024 pixels a sample. */
  static final String CLUSTER_DEFAULT = "1024";

  /**
   * {@link #CLUSTER_PROPERTY}'s value as the most pixels a sample of a group norm in one kernel: {@code true} any,
   * {@code false} none (0), or a whole number of pixels.
   *
   * @throws IllegalArgumentException for any other value
   */
  static long clusterMaxPixels(String value) {
    String v = value.trim();
    if (v.equals("true") || v.equals("false")) {
      return v.equals("true") ? Long.MAX_VALUE : 0;
    }
    try {
      long pixels = Long.parseLong(v);
      if (pixels >= 0) {
        return pixels;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new IllegalArgumentException(CLUSTER_PROPERTY + "=" + v + ": use true, false or the most pixels a sample");
  }

  private static final System.Logger LOG = System.getLogger(NormKernels.class.getName());
  /**
   * System property: the blocks a group norm aims for ({@link #GROUP_TARGET_BLOCKS}), 1 to 65535; for benchmarks to
   * compare (fewer, longer chunks trade parallelism for less merging and fewer block-wide reductions).
   */
  static final String GROUP_BLOCKS_PROPERTY = "sdj.cuda.groupNormBlocks";
  /** The blocks a group norm aims for where {@link #GROUP_BLOCKS_PROPERTY} does not say. */
  private static final long DEFAULT_GROUP_BLOCKS = 1024;
  /**
   * Blocks a group norm aims for: about 8 resident 256-thread blocks on each SM of a 132-SM GPU. One block per (sample,
   * group) gives only 64 for the UNet's batch of 2 x 32 groups, so every group is cut into chunks of one block each.
   */
  private static final long GROUP_TARGET_BLOCKS = groupTargetBlocks(System.getProperty(GROUP_BLOCKS_PROPERTY));

  /**
   * {@link #GROUP_BLOCKS_PROPERTY}'s value, {@link #DEFAULT_GROUP_BLOCKS} where it is absent, and (with a warning)
   * where it is not 1-65535.
   */
  static long groupTargetBlocks(String value) {
    if (value == null) {
      return DEFAULT_GROUP_BLOCKS;
    }
    try {
      long blocks = Long.parseLong(value.trim());
      if (blocks >= 1 && blocks <= 65535) {
        return blocks;
      }
    } catch (NumberFormatException e) {
      // warned below
    }
    LOG.log(System.Logger.Level.WARNING, "-D" + GROUP_BLOCKS_PROPERTY + "=" + value
        + " is not a block count from 1 to 65535; group norms aim for " + DEFAULT_GROUP_BLOCKS + " blocks");
    return DEFAULT_GROUP_BLOCKS;
  }
  /** Fewest elements per chunk: one 16-byte vector per thread; smaller chunks only add merging. */
  static final int GROUP_MIN_CHUNK = Launcher.THREADS * 8;
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
    launch.raw("sdj_group_stats" + launch.suffix(), grid, new int[] {Launcher.THREADS, 1, 1}, 0, x, stats,
        (int) count, chunk, vec);
    launch.raw("sdj_group_apply" + launch.suffix(), grid, new int[] {Launcher.THREADS, 1, 1}, 0, x, stats, gamma, beta,
        y, channels, (int) spatial, groups, (int) count, chunk, eps, silu ? 1 : 0, vec);
  }

  /** Threads of a channels-last group norm's statistics block (channel vectors x pixels). */
  static final int NHWC_STATS_THREADS = 256;
  /** Most groups a channels-last group norm takes ({@code NHWC_MAX_GROUPS} in norms.cu: its shared sums). */
  static final int NHWC_MAX_GROUPS = 1024;
  /** Most channels a channels-last group norm takes ({@code NHWC_MAX_CHANNELS} in norms.cu: its per-channel sums). */
  static final int NHWC_MAX_CHANNELS = 4096;

  /**
   * Pixels per chunk of a channels-last group norm over {@code n} samples of {@code pixels x channels}: about
   * {@code GROUP_TARGET_BLOCKS} blocks in all, each at least {@link #GROUP_MIN_CHUNK} elements.
   */
  static int nhwcChunkPixels(long n, long pixels, long channels) {
    return nhwcChunkPixels(n, pixels, channels, GROUP_TARGET_BLOCKS);
  }

  /** {@link #nhwcChunkPixels(long, long, long)} aiming for {@code targetBlocks} blocks instead. */
  static int nhwcChunkPixels(long n, long pixels, long channels, long targetBlocks) {
    long wanted = Math.ceilDiv(targetBlocks, Math.max(1, n));
    long minPixels = Math.ceilDiv(GROUP_MIN_CHUNK, Math.max(1, channels));
    return (int) Math.min(Math.max(1, pixels), Math.max(minPixels, Math.ceilDiv(pixels, wanted)));
  }

  /** Chunks per sample of a channels-last group norm (see {@link #nhwcChunkPixels}). */
  static int nhwcSplits(long n, long pixels, long channels) {
    return chunks(pixels, nhwcChunkPixels(n, pixels, channels));
  }

  private static int chunks(long pixels, int chunkPixels) {
    return (int) Math.max(1, Math.ceilDiv(pixels, chunkPixels));
  }

  /**
   * The statistics block's shape for {@code channels / v} channel vectors: x over the vectors (at most
   * {@link #NHWC_STATS_THREADS}), y over as many pixels as the rest of the threads cover.
   */
  static int[] nhwcStatsBlock(int channelVectors) {
    int x = Math.max(1, Math.min(channelVectors, NHWC_STATS_THREADS));
    return new int[] {x, Math.max(1, NHWC_STATS_THREADS / x), 1};
  }

  /** Whether the channels-last group norm takes {@code channels} in {@code groups} (its shared sums hold them). */
  static boolean nhwcFits(int channels, int groups) {
    return channels <= NHWC_MAX_CHANNELS && groups <= NHWC_MAX_GROUPS;
  }

  /** Whether a channels-last group norm may move 16-byte vectors of 8 channels. */
  static boolean nhwcVectorized(int channels, long x, long y) {
    return channels % 8 == 0 && ((x | y) & 15) == 0;
  }

  /**
   * {@code y = groupNorm(x)} (then SiLU) over channels-last {@code x [n, pixels, channels]}; {@code stats} holds
   * {@link #nhwcStatsFloats} floats of scratch (which {@link ClusterGroupNorm}'s kernel, where it runs, leaves be).
   *
   * @throws IllegalArgumentException beyond {@link #NHWC_MAX_GROUPS} groups, {@link #NHWC_MAX_CHANNELS} channels or the
   *     kernels' 32-bit indices
   */
  void groupNormNhwc(long x, long gamma, long beta, long y, int n, int channels, long pixels, int groups, float eps,
      boolean silu, long stats) {
    if ((long) n * groups == 0 || channels / groups * pixels == 0) {
      return;
    }
    if (pixels <= clusterMaxPixels && hasClusterKernel()) {
      Optional<ClusterGroupNorm.Cut> cut = ClusterGroupNorm.Cut.of(n, channels, pixels, groups, x, y);
      if (cut.isPresent()) {
        groupNormCluster(cut.get(), x, gamma, beta, y, eps, silu);
        return;
      }
    }
    groupNormNhwc(NhwcCut.of(n, channels, pixels, groups, x, y), x, gamma, beta, y, eps, silu, stats);
  }

  /** Whether {@link ClusterGroupNorm}'s kernel is loaded (compute capability 9.0 and newer). */
  boolean hasClusterKernel() {
    return launch.has(ClusterGroupNorm.kernel(launch.suffix()));
  }

  /** {@link #groupNormNhwc} as {@link ClusterGroupNorm}'s one kernel, cut as {@code cut}. */
  void groupNormCluster(ClusterGroupNorm.Cut cut, long x, long gamma, long beta, long y, float eps, boolean silu) {
    ClusterGroupNorm.launch(launch, cut, x, gamma, beta, y, eps, silu);
  }

  /** {@link #groupNormNhwc} as {@code cut} cuts it: its three kernels in turn. */
  void groupNormNhwc(NhwcCut cut, long x, long gamma, long beta, long y, float eps, boolean silu, long stats) {
    nhwcStats(cut, x, stats);
    nhwcMerge(cut, stats, eps);
    nhwcApply(cut, x, stats, gamma, beta, y, silu);
  }

  /**
   * How a channels-last group norm of {@code n} samples of {@code pixels x channels} in {@code groups} groups is cut:
   * {@code splits} chunks of {@code chunkPixels} pixels per sample (one statistics block each), moving 16-byte vectors
   * where {@code vec}.
   */
  record NhwcCut(int n, int channels, long pixels, int groups, int chunkPixels, int splits, boolean vec) {
    /**
     * The cut for x and y at these addresses.
     *
     * @throws IllegalArgumentException beyond {@link #NHWC_MAX_GROUPS} groups, {@link #NHWC_MAX_CHANNELS} channels or
     *     the kernels' 32-bit indices
     */
    static NhwcCut of(int n, int channels, long pixels, int groups, long x, long y) {
      return of(n, channels, pixels, groups, x, y, GROUP_TARGET_BLOCKS);
    }

    /** {@link #of(int, int, long, int, long, long)} aiming for {@code targetBlocks} blocks (benchmarks compare). */
    static NhwcCut of(int n, int channels, long pixels, int groups, long x, long y, long targetBlocks) {
      long count = channels / groups * pixels;
      if (groups > NHWC_MAX_GROUPS || channels > NHWC_MAX_CHANNELS || count > GROUP_MAX_COUNT
          || pixels * channels > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("groupNorm: " + groups + " groups of " + count + " elements over "
            + channels + " channels exceed the CUDA backend's channels-last kernels (" + NHWC_MAX_GROUPS + " groups, "
            + NHWC_MAX_CHANNELS + " channels, " + GROUP_MAX_COUNT + " elements)");
      }
      // The vectorized apply's grid takes the samples along y.
      boolean vec = nhwcVectorized(channels, x, y) && Kernels.vectorIndexFits((long) n * pixels * channels)
          && n <= 65535;
      int chunk = nhwcChunkPixels(n, pixels, channels, targetBlocks);
      return new NhwcCut(n, channels, pixels, groups, chunk, chunks(pixels, chunk), vec);
    }

    /** Floats of scratch it needs: every chunk's statistics, then every group's. */
    long scratchFloats() {
      return statsFloats(n, groups, splits);
    }

    int perGroup() {
      return channels / groups;
    }

    /** Where in the scratch the merged (mean, rstd) pairs start: after every chunk's statistics. */
    long merged(long stats) {
      return stats + 2L * Float.BYTES * n * groups * splits;
    }
  }

  /** The first kernel of {@link #groupNormNhwc}: every chunk's (mean, m2) per group into {@code stats}. */
  void nhwcStats(NhwcCut cut, long x, long stats) {
    launch.raw("sdj_group_stats_nhwc" + launch.suffix(), new int[] {cut.n(), cut.splits(), 1},
        nhwcStatsBlock(cut.vec() ? cut.channels() / 8 : cut.channels()), 0, x, stats, (int) cut.pixels(),
        cut.channels(), cut.groups(), cut.chunkPixels(), cut.vec() ? 1 : 0);
  }

  /** The second: each group's chunks merged into its (mean, rstd), at {@link NhwcCut#merged}. */
  void nhwcMerge(NhwcCut cut, long stats, float eps) {
    launch.raw("sdj_group_merge", new int[] {cut.n() * cut.groups(), 1, 1}, new int[] {Launcher.THREADS, 1, 1}, 0,
        stats, cut.merged(stats), cut.splits(), (int) (cut.perGroup() * cut.pixels()),
        cut.chunkPixels() * cut.perGroup(), eps);
  }

  /** The third: {@code y} from {@code x} and the merged statistics (then SiLU). */
  void nhwcApply(NhwcCut cut, long x, long stats, long gamma, long beta, long y, boolean silu) {
    long total = (long) cut.n() * cut.pixels() * cut.channels();
    long merged = cut.merged(stats);
    if (cut.vec()) {
      long perSample = cut.pixels() * cut.channels() / 8;
      launch.raw("sdj_group_apply_nhwc_vec" + launch.suffix(), new int[] {nhwcApplyBlocks(cut.n(), perSample),
          cut.n(), 1}, new int[] {Launcher.THREADS, 1, 1}, nhwcApplySharedBytes(cut.channels()), x, merged, gamma,
          beta, y, (int) perSample, cut.channels(), cut.perGroup(), cut.groups(), silu ? 1 : 0);
    } else {
      launch.elementwise("sdj_group_apply_nhwc", total, x, merged, gamma, beta, y, total,
          cut.pixels() * cut.channels(), cut.channels(), cut.perGroup(), cut.groups(), silu ? 1 : 0);
    }
  }

  /**
   * Blocks the vectorized apply aims for: about 8 resident 256-thread blocks on each SM of a 132-SM GPU, enough
   * vectors in flight to keep the memory busy; more would each lay out their sample's per-channel statistics again.
   */
  private static final int APPLY_TARGET_BLOCKS = 1024;

  /** Blocks per sample of the vectorized apply: one vector a thread, within {@link #APPLY_TARGET_BLOCKS} in all. */
  static int nhwcApplyBlocks(int n, long perSampleVectors) {
    return (int) Math.max(1, Math.min(Math.ceilDiv(perSampleVectors, Launcher.THREADS), APPLY_TARGET_BLOCKS / n));
  }

  /** Shared memory of the vectorized apply: each channel's mean, rstd * gamma and beta as floats (48 KiB at most). */
  static int nhwcApplySharedBytes(int channels) {
    return 3 * Float.BYTES * channels;
  }

  /** Floats of scratch {@link #groupNormNhwc} needs: every chunk's statistics, then every group's. */
  static long nhwcStatsFloats(int n, int channels, long pixels, int groups) {
    return statsFloats(n, groups, nhwcSplits(n, pixels, channels));
  }

  private static long statsFloats(int n, int groups, int splits) {
    return 2L * n * groups * (splits + 1);
  }

  void layerNorm(long x, long gamma, long beta, long y, long rows, int width, float eps) {
    if (rows == 0) {
      return;
    }
    int rowsPerBlock = Launcher.THREADS / 32;
    int vec = layerVectorized(width, x, gamma, beta, y) ? 1 : 0;
    launch.raw("sdj_layer_norm" + launch.suffix(), new int[] {(int) Math.ceilDiv(rows, rowsPerBlock), 1, 1},
        new int[] {Launcher.THREADS, 1, 1}, 0, x, gamma, beta, y, rows, width, eps, vec);
  }

}
