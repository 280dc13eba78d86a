package org.sdj.cuda;

/**
 * Row-major matrix products on 16-bit operands with float accumulation, each result rounded once into the storage
 * type: {@link Gemm} on cuBLASLt, or a host computation in sd-cuda's tests. Addresses are the device's.
 */
interface Matmul {
  /** Enqueues {@code y [rows, out] = x [rows, in] w[out, in]^T (+ bias [out]) (+ residual [rows, out])}. */
  void linear(long x, long w, long bias, long residual, long y, long rows, long in, long out);

  /** Enqueues {@code y [rows, out] = x [rows, in] w[in, out] (+ residual [rows, out])}. */
  void multiply(long x, long w, long residual, long y, long rows, long in, long out);
}
