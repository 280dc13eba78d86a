package org.sdj.model.unet;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * FreeU's Fourier filter (diffusers' {@code fourier_filter} with {@code threshold=1}): each channel's plane with its
 * lowest frequencies, the centred 2x2 block of its shifted spectrum (frequencies 0 and -1 along each axis), times a
 * factor, the real part kept. Without an FFT: those frequencies' part of a plane is its projection on nine products of
 * {@code 1}, {@code cos} and {@code sin} of one period along each axis, so the filter is two small matrix products,
 * {@code x + (factor - 1) * low(x)}.
 */
final class FourierFilter {
  /** The two matrices of a plane size, made once: {@code h * w} maps to them. */
  private record Matrices(float[] project, float[] expand) {}

  /** At most this many plane sizes are kept (a UNet's up blocks meet two per picture size). */
  private static final int KEPT = 16;

  private static final Map<Long, Matrices> MATRICES = new ConcurrentHashMap<>();

  private FourierFilter() {}

  /**
   * @param x {@code [N, C, H, W]}
   * @return a new tensor, {@code x} filtered
   */
  static Tensor apply(Ops ops, Tensor x, double factor) {
    int h = Math.toIntExact(x.dim(2));
    int w = Math.toIntExact(x.dim(3));
    int plane = h * w;
    Matrices m = matrices(h, w);
    try (Tensor flat = ops.reshape(x, x.dim(0) * x.dim(1), plane);
        Tensor toCoefficients = ops.fromHost(m.project(), 9, plane);
        Tensor fromCoefficients = ops.fromHost(m.expand(), plane, 9);
        Tensor coefficients = ops.linear(flat, toCoefficients, null, null);
        Tensor low = ops.linear(coefficients, fromCoefficients, null, null);
        Tensor lowPlanes = ops.reshape(low, x.shape())) {
      return ops.combine(1f, x, (float) (factor - 1), lowPlanes);
    }
  }

  /** The projection on the nine basis planes, {@code [9, H * W]}, and back, {@code [H * W, 9]}, of a plane size. */
  private static Matrices matrices(int h, int w) {
    long key = (long) h << 32 | w;
    Matrices known = MATRICES.get(key);
    if (known != null) {
      return known;
    }
    int plane = h * w;
    double[][] basis = basis(h, w);
    double[][] mixed = mixed(basis, h, w);
    float[] project = new float[9 * plane];
    float[] expand = new float[plane * 9];
    for (int p = 0; p < plane; p++) {
      for (int j = 0; j < 9; j++) {
        project[j * plane + p] = (float) basis[p][j];
        expand[p * 9 + j] = (float) mixed[p][j];
      }
    }
    if (MATRICES.size() >= KEPT) {
      MATRICES.clear();
    }
    Matrices made = new Matrices(project, expand);
    MATRICES.put(key, made);
    return made;
  }

  /** {@code [H * W][9]}: at each pixel {@code (y, x)}, {@code u_a(y) * v_b(x)} for {@code a, b} in (1, cos, sin). */
  private static double[][] basis(int h, int w) {
    double[][] out = new double[h * w][9];
    for (int y = 0; y < h; y++) {
      double[] u = axis(y, h);
      for (int x = 0; x < w; x++) {
        double[] v = axis(x, w);
        for (int a = 0; a < 3; a++) {
          for (int b = 0; b < 3; b++) {
            out[y * w + x][a * 3 + b] = u[a] * v[b];
          }
        }
      }
    }
    return out;
  }

  private static double[] axis(int i, int n) {
    double angle = 2 * Math.PI * i / n;
    return new double[] {1, Math.cos(angle), Math.sin(angle)};
  }

  /**
   * {@code basis * G}, {@code G = D_H (x) D_W - E_H (x) E_W}: along an axis of {@code n}, the real part of the kept
   * frequencies' kernel {@code (1 + cos(t - t')) / n} is {@code u D u'} and its imaginary part
   * {@code -sin(t - t') / n} is {@code u E u'}; a single pixel keeps frequency 0 alone.
   */
  private static double[][] mixed(double[][] basis, int h, int w) {
    double[][] dh = real(h);
    double[][] dw = real(w);
    double[][] eh = imaginary(h);
    double[][] ew = imaginary(w);
    double[][] g = new double[9][9];
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) {
        for (int c = 0; c < 3; c++) {
          for (int d = 0; d < 3; d++) {
            g[a * 3 + b][c * 3 + d] = dh[a][c] * dw[b][d] - eh[a][c] * ew[b][d];
          }
        }
      }
    }
    double[][] out = new double[basis.length][9];
    for (int p = 0; p < basis.length; p++) {
      for (int j = 0; j < 9; j++) {
        double sum = 0;
        for (int k = 0; k < 9; k++) {
          sum += basis[p][k] * g[k][j];
        }
        out[p][j] = sum;
      }
    }
    return out;
  }

  private static double[][] real(int n) {
    double[][] d = new double[3][3];
    d[0][0] = 1.0 / n;
    if (n > 1) {
      d[1][1] = 1.0 / n;
      d[2][2] = 1.0 / n;
    }
    return d;
  }

  private static double[][] imaginary(int n) {
    double[][] e = new double[3][3];
    if (n > 1) {
      e[1][2] = 1.0 / n;
      e[2][1] = -1.0 / n;
    }
    return e;
  }
}
