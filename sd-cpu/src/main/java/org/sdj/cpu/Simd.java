package org.sdj.cpu;

/**
 * The innermost loops of the CPU kernels, in two implementations: {@link VectorSimd} on the Vector API and
 * {@link ScalarSimd} in plain Java. {@link SimdProvider} picks one; everything above this interface (blocking, packing,
 * threading) is shared, so that both paths compute the same thing in the same order of tiles.
 *
 * <p>Packed panels: a panel of {@code A} holds {@link #mr()} rows, depth-major ({@code a[p * mr + r]}); a panel of
 * {@code B} holds {@link #nr()} columns, depth-major ({@code b[p * nr + j]}).
 */
interface Simd {

  /** Rows of the micro-kernel's tile. */
  int mr();

  /** Columns of the micro-kernel's tile (a multiple of the vector length). */
  int nr();

  /**
   * {@code c[cOff + r * ldc + j] += sum_p a[aOff + p * mr + r] * b[bOff + p * nr + j]} for {@code r < rows <= mr},
   * {@code j < cols <= nr}, {@code p < kc}: the register-blocked micro-kernel of the GEMM on a packed A panel and a
   * packed B panel, both zero-padded to their full width. With {@code add} false, {@code c[..] =} the product (the
   * first depth block of a result then needs no zeroed C).
   */
  void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, int rows, int cols,
      boolean add);

  /** {@link #tile} adding onto C. */
  default void kernel(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, int rows,
      int cols) {
    tile(kc, a, aOff, b, bOff, c, cOff, ldc, rows, cols, true);
  }

  /** {@link #tile} storing into C. */
  default void kernelSet(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, int rows,
      int cols) {
    tile(kc, a, aOff, b, bOff, c, cOff, ldc, rows, cols, false);
  }

  /** {@code max[mOff + j] = max(max[mOff + j], s[off + r * width + j])} over {@code r < rows}, {@code j < width}. */
  void columnMax(float[] s, int off, int rows, int width, float[] max, int mOff);

  /**
   * {@code s[off + r * width + j] = exp(s[..] - shift[mOff + j])} and {@code sum[mOff + j] += } the new values, over
   * {@code r < rows}, {@code j < width}; {@code exp(-inf) = 0}.
   */
  void expColumns(float[] s, int off, int rows, int width, float[] shift, float[] sum, int mOff);

  /** {@code x[i] = exp(x[i])} for {@code from <= i < to}; {@code exp(-inf) = 0}. */
  void exp(float[] x, int from, int to);

  /** {@code o[off + r * width + j] *= f[fOff + j]} over {@code r < rows}, {@code j < width}. */
  void scaleColumns(float[] o, int off, int rows, int width, float[] f, int fOff);

  /**
   * {@code {mean, 1 / sqrt(biased variance + eps)}} of {@code x[from, from + len)}, summed in double over two passes
   * ({@link Moments}): the statistics of layer and group normalization.
   */
  float[] meanAndInvStd(float[] x, int from, int len, float eps);

  /**
   * {@code y[from + i] = (x[from + i] - mean) * mul * gamma[i] + beta[i]} for {@code i < len}: one row of layer
   * normalization.
   */
  void normalizeRow(float[] x, int from, int len, float mean, float mul, float[] gamma, float[] beta, float[] y);

  /** {@code y[i] = (x[i] - mean) * mul + add}, then SiLU if asked, for {@code i in [from, to)}: one channel's plane. */
  void normalize(float[] x, int from, int to, float mean, float mul, float add, boolean silu, float[] y);

  /** {@code y[i] = x[i] * sigmoid(x[i])} over {@code [from, to)}. */
  void silu(float[] x, int from, int to, float[] y);

  /** {@code y[yOff + i] = x[xOff + i] * gelu(x[xOff + n + i])} for {@code i < n}: one row of GEGLU (exact GELU). */
  void geglu(float[] x, int xOff, int n, float[] y, int yOff);

  /**
   * Winograd's input transform along one axis, for {@code i < n}: with {@code xk = x[xk + i]},
   * {@code y[y0 + k * yStride + i]} for {@code k = 0..3} becomes {@code x0 - x2, x1 + x2, x2 - x1, x1 - x3}
   * ({@code B^T} of {@link WinogradConv}).
   */
  void winogradIn(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int yStride, int n);

  /**
   * {@code even[eOff + m] = x[from + 2m]} and {@code odd[oOff + m] = x[from + 2m + 1]} for {@code m < pairs}: a row
   * split into its even and odd columns.
   */
  void deinterleave(float[] x, int from, int pairs, float[] even, int eOff, float[] odd, int oOff);

  /**
   * Winograd's output transform along one axis, for {@code i < n}: with {@code xk = x[xk + i]},
   * {@code y[y0 + i] = x0 + x1 + x2} and {@code y[y1 + i] = x1 - x2 - x3} ({@code A^T} of {@link WinogradConv}).
   */
  void winogradOut(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int y1, int n);

  /**
   * {@code dst[dOff + p * width + i] = src[sOff + i * ld + p]} for {@code i < count}, {@code p < kc}, and zero for
   * {@code count <= i < width}: {@code count} rows laid side by side as a depth-major panel.
   */
  void transpose(float[] src, int sOff, int ld, int count, int kc, float[] dst, int dOff, int width);

  /**
   * {@code dst[dOff + i] = } bfloat16 {@code src[i]} widened to float, for {@code i < n}: a bfloat16 is the upper
   * half of a float's bits. (Half precision needs no method here: C2 vectorizes {@link Float#float16ToFloat} loops.)
   */
  void bf16ToFloat(short[] src, int n, float[] dst, int dOff);

  /** What runs, for the backend's description. */
  String describe();
}
