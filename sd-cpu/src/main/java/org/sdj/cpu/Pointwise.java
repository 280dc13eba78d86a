package org.sdj.cpu;

import java.util.concurrent.ForkJoinPool;
import org.sdj.backend.Activation;
import org.sdj.backend.ActivationMath;

/** Element-wise ops, in parallel over chunks. */
final class Pointwise {
  private static final int CHUNK = 1 << 14;

  private Pointwise() {}

  /** PReLU over {@code x [N, C, inner]}: channel {@code c}'s negative values times {@code slopes[c]}. */
  static void prelu(ForkJoinPool pool, float[] x, float[] slopes, int inner, float[] y) {
    int perImage = inner * slopes.length;
    Parallel.forChunks(pool, y.length, CHUNK, (from, to) -> {
      for (int i = from; i < to; i++) {
        float v = x[i];
        y[i] = v >= 0 ? v : v * slopes[i % perImage / inner];
      }
    });
  }

  static void activation(Simd simd, ForkJoinPool pool, float[] x, Activation kind, float[] y) {
    Parallel.forChunks(pool, y.length, CHUNK, (from, to) -> {
      switch (kind) {
        case SILU -> {
          simd.silu(x, from, to, y);
        }
        case GELU -> {
          for (int i = from; i < to; i++) {
            y[i] = (float) ActivationMath.gelu(x[i]);
          }
        }
        default -> {
          for (int i = from; i < to; i++) {
            y[i] = (float) ActivationMath.apply(kind, x[i]);
          }
        }
      }
    });
  }

  /** {@code x [rows, 2n] -> y [rows, n] = x[:, :n] * gelu(x[:, n:])}. */
  static void geglu(Simd simd, ForkJoinPool pool, float[] x, int n, float[] y) {
    int rows = n == 0 ? 0 : y.length / n;
    Parallel.forChunks(pool, rows, Math.max(1, CHUNK / Math.max(1, n)), (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        simd.geglu(x, 2 * r * n, n, y, r * n);
      }
    });
  }

  /** {@code y = a + b}, {@code b} repeating over {@code a} (its length divides {@code a}'s). */
  static void add(ForkJoinPool pool, float[] a, float[] b, float[] y) {
    if (b.length == 0) {
      return;
    }
    // Chunks are whole repeats of b, so the inner loop needs no modulo.
    int repeats = y.length / b.length;
    Parallel.forChunks(pool, repeats, Math.max(1, CHUNK / b.length), (r0, r1) -> {
      for (int r = r0; r < r1; r++) {
        int base = r * b.length;
        for (int i = 0; i < b.length; i++) {
          y[base + i] = a[base + i] + b[i];
        }
      }
    });
  }

  /** {@code y = x + b[plane]} over planes of {@code spatial} elements. */
  static void addPerChannel(ForkJoinPool pool, float[] x, float[] b, int spatial, float[] y) {
    Parallel.forChunks(pool, b.length, Math.max(1, CHUNK / Math.max(1, spatial)), (p0, p1) -> {
      for (int p = p0; p < p1; p++) {
        for (int i = p * spatial; i < (p + 1) * spatial; i++) {
          y[i] = x[i] + b[p];
        }
      }
    });
  }

  static void scale(ForkJoinPool pool, float[] x, float factor, float[] y) {
    Parallel.forChunks(pool, y.length, CHUNK, (from, to) -> {
      for (int i = from; i < to; i++) {
        y[i] = x[i] * factor;
      }
    });
  }
}
