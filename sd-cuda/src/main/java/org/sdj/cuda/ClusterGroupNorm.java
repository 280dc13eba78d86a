package org.sdj.cuda;

import java.math.BigInteger;
import java.util.Optional;

/**
 * The one-kernel channels-last group norm of {@code group_norm_cluster_sm90.cu} (compute capability 9.0 and newer):
 * clusters of {@link #CLUSTER} blocks, each cluster one sample's slice of whole groups, each block a run of its pixels
 * kept in shared memory between the one read of x and the write of y, the blocks trading their groups' moments
 * through distributed shared memory. Where it applies ({@link Cut#of}) and is loaded, it replaces
 * {@link NormKernels}' three kernels (statistics, merge, apply) and their scratch.
 */
final class ClusterGroupNorm {
  private ClusterGroupNorm() {}

  /** Blocks per cluster ({@code GN_CLUSTER} in the kernel): the portable most. */
  static final int CLUSTER = 8;
  /** Threads per block, at most ({@code __launch_bounds__} in the kernel). */
  static final int MAX_THREADS = 256;
  /** Most shared memory a block's run of pixels takes: x is kept there whole, so larger images take three kernels. */
  static final int MAX_RUN_BYTES = 160 * 1024;
  /** Channels (bytes / 2) of a slice worth growing to, for whole 128-byte lines of a pixel per block. */
  private static final int GOOD_SLICE = 64;
  /** Fewest clusters a slice grows to leave (16 clusters: 128 blocks, about a 132-SM GPU's worth). */
  private static final int MIN_CLUSTERS = 16;

  /** Kernel name for storage type suffix {@code suffix} ({@link Launcher#suffix}). */
  static String kernel(String suffix) {
    return "sdj_group_norm_cluster_nhwc" + suffix;
  }

  /**
   * How a group norm of {@code n} samples of {@code pixels x channels} in {@code groups} groups is cut: slices of
   * {@code slice} channels (whole groups and whole 8-channel vectors), {@code perBlock} pixels per block, blocks of
   * {@code slice / 8 x rows} threads.
   */
  record Cut(int n, int channels, long pixels, int groups, int slice, int perBlock, int rows) {
    /**
     * The cut for x and y at these addresses, or empty where the kernel does not apply: 8-channel vectors not whole
     * or not 16-byte aligned, a slice past {@link #MAX_THREADS} vectors, a block's run of pixels past
     * {@link #MAX_RUN_BYTES}, or a grid past CUDA's limits.
     */
    static Optional<Cut> of(int n, int channels, long pixels, int groups, long x, long y) {
      if (n < 1 || groups < 1 || channels % groups != 0 || pixels < 1 || !NormKernels.nhwcVectorized(channels, x, y)
          || n > 65535 || pixels > Integer.MAX_VALUE / Math.max(1, channels)) {
        return Optional.empty();
      }
      int perGroup = channels / groups;
      long slice = lcm(8, perGroup);
      while (slice < GOOD_SLICE && channels % (2 * slice) == 0 && (long) n * channels / (2 * slice) >= MIN_CLUSTERS) {
        slice *= 2;
      }
      int perBlock = (int) Math.ceilDiv(pixels, CLUSTER);
      if (slice / 8 > MAX_THREADS || channels / slice > 65535 || 2L * slice * perBlock > MAX_RUN_BYTES) {
        return Optional.empty();
      }
      int vectors = (int) slice / 8;
      int rows = Math.min(MAX_THREADS / vectors, perBlock);
      return Optional.of(new Cut(n, channels, pixels, groups, (int) slice, perBlock, rows));
    }

    /**
     * Bytes of dynamic shared memory, as the kernel lays them out: the run of pixels, then floats for each thread's
     * partial sums of 8 channels and its run of rows' sum, each channel's sum, and each group of the slice's mean,
     * moments and (mean, rstd).
     */
    int sharedBytes() {
      int groupsInSlice = slice / (channels / groups);
      int floats = threads() * 9 + slice + 5 * groupsInSlice;
      return 2 * slice * perBlock + Float.BYTES * floats;
    }

    int threads() {
      return slice / 8 * rows;
    }

    int[] grid() {
      return new int[] {CLUSTER, channels / slice, n};
    }

    int[] block() {
      return new int[] {slice / 8, rows, 1};
    }
  }

  /** {@code y = groupNorm(x)} (then SiLU) over channels-last {@code x [n, pixels, channels]} as {@code cut} cuts it. */
  static void launch(Launcher launch, Cut cut, long x, long gamma, long beta, long y, float eps, boolean silu) {
    launch.clustered(kernel(launch.suffix()), cut.grid(), cut.block(), CLUSTER, cut.sharedBytes(), x, gamma, beta, y,
        (int) cut.pixels(), cut.channels(), cut.groups(), cut.slice(), cut.perBlock(), eps, silu ? 1 : 0);
  }

  private static long lcm(long a, long b) {
    return a / BigInteger.valueOf(a).gcd(BigInteger.valueOf(b)).longValueExact() * b;
  }
}
