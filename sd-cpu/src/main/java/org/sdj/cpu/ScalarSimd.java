package org.sdj.cpu;

import org.sdj.backend.ActivationMath;

/** The plain-Java {@link Simd}: the same tiles as the vector path, one lane at a time. */
final class ScalarSimd implements Simd {
  private static final int MR = 4;
  private static final int NR = 16;

  @Override
  public int mr() {
    return MR;
  }

  @Override
  public int nr() {
    return NR;
  }

  @Override
  public void tile(int kc, float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int ldc, int rows, int cols,
      boolean add) {
    float[] acc = new float[MR * NR];
    for (int p = 0; p < kc; p++) {
      int ap = aOff + p * MR;
      int bp = bOff + p * NR;
      for (int r = 0; r < rows; r++) {
        float av = a[ap + r];
        int row = r * NR;
        for (int j = 0; j < NR; j++) {
          acc[row + j] += av * b[bp + j];
        }
      }
    }
    for (int r = 0; r < rows; r++) {
      int dst = cOff + r * ldc;
      for (int j = 0; j < cols; j++) {
        c[dst + j] = (add ? c[dst + j] : 0f) + acc[r * NR + j];
      }
    }
  }

  @Override
  public void columnMax(float[] s, int off, int rows, int width, float[] max, int mOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < width; j++) {
        max[mOff + j] = Math.max(max[mOff + j], s[off + r * width + j]);
      }
    }
  }

  @Override
  public void expColumns(float[] s, int off, int rows, int width, float[] shift, float[] sum, int mOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < width; j++) {
        int i = off + r * width + j;
        float e = (float) Math.exp(s[i] - shift[mOff + j]);
        s[i] = e;
        sum[mOff + j] += e;
      }
    }
  }

  @Override
  public void exp(float[] x, int from, int to) {
    for (int i = from; i < to; i++) {
      x[i] = (float) Math.exp(x[i]);
    }
  }

  @Override
  public void scaleColumns(float[] o, int off, int rows, int width, float[] f, int fOff) {
    for (int r = 0; r < rows; r++) {
      for (int j = 0; j < width; j++) {
        o[off + r * width + j] *= f[fOff + j];
      }
    }
  }

  @Override
  public void normalizeRow(float[] x, int from, int len, float mean, float mul, float[] gamma, float[] beta,
      float[] y) {
    normalizeRowLoop(x, from, 0, len, mean, mul, gamma, beta, y);
  }

  /** {@link #normalizeRow} from element {@code start} of the row on, element by element. */
  static void normalizeRowLoop(float[] x, int from, int start, int len, float mean, float mul, float[] gamma,
      float[] beta, float[] y) {
    for (int i = start; i < len; i++) {
      y[from + i] = (x[from + i] - mean) * mul * gamma[i] + beta[i];
    }
  }

  @Override
  public float[] meanAndInvStd(float[] x, int from, int len, float eps) {
    return Moments.meanAndInvStd(x, from, len, eps);
  }

  @Override
  public void normalize(float[] x, int from, int to, float mean, float mul, float add, boolean silu, float[] y) {
    for (int i = from; i < to; i++) {
      float v = (x[i] - mean) * mul + add;
      y[i] = silu ? v / (1 + (float) Math.exp(-v)) : v;
    }
  }

  @Override
  public void silu(float[] x, int from, int to, float[] y) {
    for (int i = from; i < to; i++) {
      y[i] = x[i] / (1 + (float) Math.exp(-x[i]));
    }
  }

  @Override
  public void geglu(float[] x, int xOff, int n, float[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] = x[xOff + i] * (float) ActivationMath.gelu(x[xOff + n + i]);
    }
  }

  @Override
  public void winogradIn(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int yStride, int n) {
    winogradInLoop(x, x0, x1, x2, x3, y, y0, yStride, n);
  }

  /** {@link #winogradIn}, also the vector path's tail. */
  static void winogradInLoop(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int yStride, int n) {
    for (int i = 0; i < n; i++) {
      float a = x[x0 + i];
      float b = x[x1 + i];
      float c = x[x2 + i];
      float d = x[x3 + i];
      y[y0 + i] = a - c;
      y[y0 + yStride + i] = b + c;
      y[y0 + 2 * yStride + i] = c - b;
      y[y0 + 3 * yStride + i] = b - d;
    }
  }

  @Override
  public void winogradOut(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int y1, int n) {
    winogradOutLoop(x, x0, x1, x2, x3, y, y0, y1, n);
  }

  /** {@link #winogradOut}, also the vector path's tail. */
  static void winogradOutLoop(float[] x, int x0, int x1, int x2, int x3, float[] y, int y0, int y1, int n) {
    for (int i = 0; i < n; i++) {
      float b = x[x1 + i];
      float c = x[x2 + i];
      y[y0 + i] = x[x0 + i] + b + c;
      y[y1 + i] = b - c - x[x3 + i];
    }
  }

  @Override
  public void transpose(float[] src, int sOff, int ld, int count, int kc, float[] dst, int dOff, int width) {
    Panels.transposeRows(src, sOff, ld, count, kc, dst, dOff, width);
  }

  @Override
  public void deinterleave(float[] x, int from, int pairs, float[] even, int eOff, float[] odd, int oOff) {
    deinterleaveLoop(x, from, pairs, even, eOff, odd, oOff);
  }

  /** {@link #deinterleave}, also the vector path's tail. */
  static void deinterleaveLoop(float[] x, int from, int pairs, float[] even, int eOff, float[] odd, int oOff) {
    for (int m = 0; m < pairs; m++) {
      even[eOff + m] = x[from + 2 * m];
      odd[oOff + m] = x[from + 2 * m + 1];
    }
  }

  @Override
  public void bf16ToFloat(short[] src, int n, float[] dst, int dOff) {
    bf16ToFloatLoop(src, 0, n, dst, dOff);
  }

  /** {@link #bf16ToFloat} from {@code src[from]}, also the vector path's tail. */
  static void bf16ToFloatLoop(short[] src, int from, int n, float[] dst, int dOff) {
    for (int i = from; i < n; i++) {
      dst[dOff + i] = Float.intBitsToFloat(src[i] << 16);
    }
  }

  @Override
  public String describe() {
    return "scalar Java kernels";
  }
}
