package org.sdj.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;

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

  @Override
  public void product(Strided x, Strided w, Strided y, Shape s) {
    int r = Math.toIntExact(s.rows());
    int k = Math.toIntExact(s.in());
    int n = Math.toIntExact(s.out());
    float[][] a = rows(x, r, k);
    float[][] b = s.transposedWeight() ? rows(w, n, k) : rows(w, k, n);
    MemorySegment out = MemorySegment.ofAddress(y.address())
        .reinterpret(((long) Math.max(0, r - 1) * y.ld() + n) * (s.floatOut() ? 4 : 2));
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < n; j++) {
        float sum = 0;
        for (int p = 0; p < k; p++) {
          sum += a[i][p] * (s.transposedWeight() ? b[j][p] : b[p][j]);
        }
        float v = s.alpha() * sum;
        long at = (long) i * y.ld() + j;
        if (s.floatOut()) {
          out.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, at, v);
        } else {
          out.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, at, HalfPrecision.encode(v, type));
        }
      }
    }
  }

  /** {@code count} rows of {@code cols} storage-type elements, {@code m.ld()} apart, as floats. */
  private float[][] rows(Strided m, int count, int cols) {
    float[][] v = new float[count][];
    for (int i = 0; i < count; i++) {
      v[i] = HostArrays.read(m.address() + 2L * i * m.ld(), cols, type);
    }
    return v;
  }
}
