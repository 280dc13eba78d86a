package org.sdj.cuda;

import org.sdj.backend.DType;

/**
 * {@link Matmul} of {@link HostDevice}: what {@link Gemm} asks of cuBLASLt, computed on the host. Operands are decoded
 * from the storage type, products summed in float, then {@code + residual} (cuBLASLt's C with beta 1) and
 * {@code + bias} (its epilogue) added, and the result rounded into the storage type once. All operands are read
 * before {@code y} is written, so {@code y} may be the residual.
 */
final class HostMatmul implements Matmul {
  private final DType type;

  HostMatmul(DType type) {
    this.type = type;
  }

  @Override
  public void linear(long x, long w, long bias, long residual, long y, long rows, long in, long out) {
    product(x, w, bias, residual, y, rows, in, out, true);
  }

  @Override
  public void multiply(long x, long w, long residual, long y, long rows, long in, long out) {
    product(x, w, 0, residual, y, rows, in, out, false);
  }

  private void product(long x, long w, long bias, long residual, long y, long rows, long in, long out,
      boolean transposedWeight) {
    int r = Math.toIntExact(rows);
    int k = Math.toIntExact(in);
    int n = Math.toIntExact(out);
    float[] a = HostArrays.read(x, (long) r * k, type);
    float[] b = HostArrays.read(w, (long) k * n, type);
    float[] c = residual != 0 ? HostArrays.read(residual, (long) r * n, type) : null;
    float[] bv = bias != 0 ? HostArrays.read(bias, n, type) : null;
    float[] result = new float[r * n];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0;
        for (int p = 0; p < k; p++) {
          float weight = transposedWeight ? b[j * k + p] : b[p * n + j];
          sum += a[i * k + p] * weight;
        }
        if (c != null) {
          sum += c[i * n + j];
        }
        if (bv != null) {
          sum += bv[j];
        }
        result[i * n + j] = sum;
      }
    }
    HostArrays.write(y, result, type);
  }
}
