package org.sdj.backend.reference;

import org.sdj.backend.Activation;
import org.sdj.backend.ActivationMath;

/** Element-wise ops. */
final class Pointwise {
  private Pointwise() {}

  static void activation(float[] x, Activation kind, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] = (float) ActivationMath.apply(kind, x[i]);
    }
  }

  /** {@code x [rows, 2n] -> y [rows, n] = x[:, :n] * gelu(x[:, n:])}. */
  static void geglu(float[] x, int n, float[] y) {
    for (int r = 0; r < y.length / Math.max(n, 1); r++) {
      for (int i = 0; i < n; i++) {
        y[r * n + i] = (float) (x[2 * r * n + i] * ActivationMath.gelu(x[2 * r * n + n + i]));
      }
    }
  }

  /** {@code y = a + b}, {@code b} repeating over {@code a}. */
  static void add(float[] a, float[] b, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] = a[i] + b[i % b.length];
    }
  }

  /** {@code y = x + b[i / spatial]}: one value per (batch, channel) plane. */
  static void addPerChannel(float[] x, float[] b, int spatial, float[] y) {
    for (int i = 0; i < y.length; i++) {
      y[i] = x[i] + b[i / spatial];
    }
  }
}
