package org.sdj.io.lora;

import java.util.Arrays;
import java.util.OptionalDouble;
import org.sdj.io.safetensors.SafeTensor;

/** The host arithmetic LyCORIS' layers are rebuilt with, in float, as AUTOMATIC1111 rebuilds them. */
final class Factors {
  private Factors() {}

  /** A factor as a matrix: its first dimension as rows, the rest flattened. */
  record Matrix(int rows, int cols, float[] values) {
    static Matrix of(SafeTensor t) {
      long[] shape = t.shape();
      long cols = Arrays.stream(shape).skip(1).reduce(1, Math::multiplyExact);
      return new Matrix((int) shape[0], Math.toIntExact(cols), t.toFloatArray());
    }

    float at(int row, int col) {
      return values[row * cols + col];
    }

    Matrix transposed() {
      float[] t = new float[values.length];
      for (int i = 0; i < rows; i++) {
        for (int j = 0; j < cols; j++) {
          t[j * rows + i] = values[i * cols + j];
        }
      }
      return new Matrix(cols, rows, t);
    }
  }

  /** {@code a @ b}: LyCORIS' {@code rebuild_conventional} of an up and a down factor. */
  static Matrix product(Matrix a, Matrix b) {
    if (a.cols() != b.rows()) {
      throw new IllegalArgumentException("factors of " + a.rows() + " x " + a.cols() + " and " + b.rows() + " x "
          + b.cols() + " do not multiply");
    }
    float[] out = new float[a.rows() * b.cols()];
    for (int i = 0; i < a.rows(); i++) {
      for (int k = 0; k < a.cols(); k++) {
        float aik = a.at(i, k);
        int bk = k * b.cols();
        int oi = i * b.cols();
        for (int j = 0; j < b.cols(); j++) {
          out[oi + j] += aik * b.values()[bk + j];
        }
      }
    }
    return new Matrix(a.rows(), b.cols(), out);
  }

  /**
   * LyCORIS' Tucker (CP) rebuild of a convolution ({@code make_weight_cp}):
   * {@code w[o, c, y, x] = sum_ij a[i, o] * t[i, j, y, x] * b[j, c]}.
   *
   * @param t {@code [rank, rank, kh, kw]}
   * @param a {@code [rank, out]}
   * @param b {@code [rank, in]}
   * @return {@code [out, in * kh * kw]}
   */
  static Matrix tucker(SafeTensor t, Matrix a, Matrix b) {
    long[] shape = t.shape();
    int rank = (int) shape[0];
    int kernel = (int) (shape[2] * shape[3]);
    if (shape.length != 4 || shape[1] != rank || a.rows() != rank || b.rows() != rank) {
      throw new IllegalArgumentException("a Tucker core of " + Arrays.toString(shape) + " with factors of "
          + a.rows() + " and " + b.rows() + " rows");
    }
    float[] core = t.toFloatArray();
    int out = a.cols();
    int in = b.cols();
    float[] w = new float[out * in * kernel];
    for (int i = 0; i < rank; i++) {
      for (int j = 0; j < rank; j++) {
        for (int k = 0; k < kernel; k++) {
          float tij = core[(i * rank + j) * kernel + k];
          for (int o = 0; o < out; o++) {
            float ato = a.at(i, o) * tij;
            for (int c = 0; c < in; c++) {
              w[(o * in + c) * kernel + k] += ato * b.at(j, c);
            }
          }
        }
      }
    }
    return new Matrix(out, in * kernel, w);
  }

  /** AUTOMATIC1111's scale of a LyCORIS layer: {@code alpha / dim} where both are known, else 1. */
  static double scale(OptionalDouble alpha, OptionalDouble dim) {
    return alpha.isPresent() && dim.isPresent() ? alpha.getAsDouble() / dim.getAsDouble() : 1;
  }
}
