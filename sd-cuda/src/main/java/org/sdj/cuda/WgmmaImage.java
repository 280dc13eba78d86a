package org.sdj.cuda;

import java.util.Arrays;
import java.util.Locale;

/**
 * The images of flash_attention_wgmma.cu's kernels at a padded head size: how they keep K and V tiles and which form
 * of the softmax they run; {@link #CHUNKED} by default, the others experiments awaiting a GPU run, which
 * {@link #PROPERTY} picks. An image that does not apply to a launch ({@link #applies}) leaves it on {@link #CHUNKED}.
 */
enum WgmmaImage {
  /** K and V tiles in 8-column chunks, each copied as rows of 16 bytes; every head size. */
  CHUNKED(""),
  /**
   * K and V tiles in swizzled column blocks ({@link AttentionKernels#wgmmaSwizzleBytes}): rows of 32 to 128 bytes,
   * one bulk copy per block; every head size.
   */
  SWIZZLED("_sw"),
  /**
   * Swizzled tiles as {@link #SWIZZLED}, in blocks of 192 query rows (three consumer warpgroups on 64-key tiles, which
   * fit their registers) where the default has 128: a third less K and V traffic per query row; head sizes over 64.
   */
  SWIZZLED192("_sw192"),
  /**
   * The rows' sums made by O += P V from a column of ones in V's padding rather than added up by each thread; head
   * sizes at least 8 short of their padded size that has these images.
   */
  ONES("_ones"),
  /** As {@link #ONES}, with each pair of probabilities one packed float16 exponential; float16 only. */
  F16EXP("_f16exp");

  /** System property: the image to run, by name in any case ({@code chunked} when absent). */
  static final String PROPERTY = "sdj.cuda.wgmmaImage";
  /** Padded head sizes that have {@link #ONES} and {@link #F16EXP} images ({@code SDJ_WGMMA_SUMS} rows). */
  private static final int[] SUMS_DIMS = {48};

  /** What the kernel name adds after the head size. */
  final String suffix;

  WgmmaImage(String suffix) {
    this.suffix = suffix;
  }

  /** Whether this image runs head size {@code d} (padded to {@code dp}) in the storage type of {@code typeSuffix}. */
  boolean applies(String typeSuffix, int dp, int d) {
    return switch (this) {
      case CHUNKED, SWIZZLED -> true;
      case SWIZZLED192 -> dp > AttentionKernels.WGMMA_THREE_CONSUMERS_MAX_DP;
      case ONES -> sumsDim(dp) && d <= dp - 8;
      case F16EXP -> typeSuffix.equals("_f16") && sumsDim(dp) && d <= dp - 8;
    };
  }

  /** Whether this image's K and V tiles are swizzled. */
  boolean swizzled() {
    return this == SWIZZLED || this == SWIZZLED192;
  }

  /** Whether padded head size {@code dp} has {@link #ONES} and {@link #F16EXP} images. */
  static boolean sumsDim(int dp) {
    return Arrays.stream(SUMS_DIMS).anyMatch(p -> p == dp);
  }

  /**
   * {@link #PROPERTY}'s image, {@link #CHUNKED} where it is absent.
   *
   * @throws IllegalArgumentException naming the property and its values, for any other value
   */
  static WgmmaImage fromProperty() {
    String value = System.getProperty(PROPERTY);
    if (value == null) {
      return CHUNKED;
    }
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("-D" + PROPERTY + "=" + value + ": use one of "
          + Arrays.toString(values()).toLowerCase(Locale.ROOT), e);
    }
  }
}
