package org.sdj.cuda;

import org.sdj.backend.Activation;

/**
 * Typed launches of sdj's pointwise and layout kernels (pointwise.cu, layout.cu) for one storage type: each method
 * computes the grid and passes the arguments in the kernel's order. Addresses are device pointers; 0 stands for an
 * absent operand. The norms ({@link NormKernels}) and attention ({@link AttentionKernels}) have classes of their own.
 */
final class Kernels {
  private final Launcher launch;

  Kernels(Launcher launch) {
    this.launch = launch;
  }

  private void elementwise(String name, long n, Object... args) {
    launch.elementwise(name, n, args);
  }

  /** A grid-stride kernel by its full name (the float32 ones carry no storage-type suffix). */
  private void launchElementwise(String kernel, long n, Object... args) {
    launch.elementwiseNamed(kernel, n, args);
  }

  void activation(long x, long y, Activation kind, long n) {
    elementwise("sdj_activation", n, x, y, kind.ordinal(), n);
  }

  /** PReLU: channel {@code (i / inner) % channels} of element {@code i} (inner 1 for channels last). */
  void prelu(long x, long slopes, long y, long n, long inner, int channels) {
    elementwise("sdj_prelu", n, x, slopes, y, n, inner, channels);
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
    launchElementwise("sdj_scale" + (f32 ? "_f32" : launch.suffix()), n, x, y, factor, n);
  }

  /** {@code out = a * x + b * y} on 16-bit storage, or on float32 storage. */
  void combine(long x, long y, long out, float a, float b, long n, boolean f32) {
    launchElementwise("sdj_combine" + (f32 ? "_f32" : launch.suffix()), n, x, y, out, a, b, n);
  }

  /** Float32 {@code y} from 16-bit {@code x}. */
  void toFloat32(long x, long y, long n) {
    launchElementwise("sdj_cast" + launch.suffix() + "_to_f32", n, x, y, n);
  }

  /** 16-bit {@code y} from float32 {@code x}, rounded to nearest even. */
  void fromFloat32(long x, long y, long n) {
    launchElementwise("sdj_cast_f32_to" + launch.suffix(), n, x, y, n);
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
      launch.raw("sdj_transpose_vec" + launch.suffix(), transposeGrid(batch, rows, cols),
          new int[] {TRANSPOSE_THREADS, 1, 1}, 0, x, y, rows, cols);
    } else {
      launch.raw("sdj_transpose" + launch.suffix(),
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

  /** Channels last: {@code y [images, oh, ow, c]} = {@code x [images, h, w, c]} at torch's nearest source pixel. */
  void upsampleNearestNhwc(long x, long y, long images, int h, int w, int oh, int ow, int c) {
    if (pixelVectors(x, y, c)) {
      elementwise("sdj_upsample_nearest_nhwc_vec", images * oh * ow * (c / 8), x, y, images, h, w, oh, ow, c / 8);
    } else {
      elementwise("sdj_upsample_nearest_nhwc", images * oh * ow * c, x, y, images, h, w, oh, ow, c);
    }
  }

  /** Channels last: {@code y [images, ph, pw, c]} = {@code x [images, h, w, c]} at (top, left), zeros around it. */
  void pad2dNhwc(long x, long y, long images, int h, int w, int top, int left, int ph, int pw, int c) {
    pad2dNhwc(x, y, images, h, w, top, left, ph, pw, c, false, false);
  }

  /**
   * {@link #pad2dNhwc} wrapping around along the axes asked for instead of padding them with zeros (circular padding,
   * at most the side on each side).
   */
  void pad2dNhwc(long x, long y, long images, int h, int w, int top, int left, int ph, int pw, int c, boolean wrapH,
      boolean wrapW) {
    int wh = wrapH ? 1 : 0;
    int ww = wrapW ? 1 : 0;
    if (pixelVectors(x, y, c)) {
      elementwise("sdj_pad2d_nhwc_vec", images * ph * pw * (c / 8), x, y, images, h, w, top, left, ph, pw, c / 8,
          wh, ww);
    } else {
      elementwise("sdj_pad2d_nhwc", images * ph * pw * c, x, y, images, h, w, top, left, ph, pw, c, wh, ww);
    }
  }

  /** Whether a channels-last layout kernel may move pixels as 16-byte vectors of 8 channels. */
  static boolean pixelVectors(long x, long y, int c) {
    return c % 8 == 0 && ((x | y) & 15) == 0;
  }

  /** Channels last: {@code y [n, pixels, c] = x + b [n, c]} broadcast over each sample's pixels. */
  void addPerChannelNhwc(long x, long b, long y, long n, long perSample, int channels) {
    if (channels % 8 == 0 && ((x | b | y) & 15) == 0 && vectorIndexFits(n)) {
      elementwise("sdj_add_per_channel_nhwc_vec", n / 8, x, b, y, (int) (n / 8), (int) (perSample / 8),
          channels / 8);
    } else {
      elementwise("sdj_add_per_channel_nhwc", n, x, b, y, n, perSample, channels);
    }
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
    pad2d(x, y, planes, h, w, top, left, ph, pw, false, false);
  }

  /** {@code y [planes, ph, pw]} = {@code x [planes, h, w]} at (top, left), zeros or wrapped around it per axis. */
  void pad2d(long x, long y, long planes, int h, int w, int top, int left, int ph, int pw, boolean wrapH,
      boolean wrapW) {
    elementwise("sdj_pad2d", planes * ph * pw, x, y, planes, h, w, top, left, ph, pw, wrapH ? 1 : 0, wrapW ? 1 : 0);
  }

}
