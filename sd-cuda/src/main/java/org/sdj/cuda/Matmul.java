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

  /** A matrix operand: its address and the elements between the starts of its rows. */
  record Strided(long address, long ld) {}

  /**
   * The shape of a {@link #product}: {@code y [rows, out] = alpha x [rows, in] w}, with {@code w [out, in]} read
   * transposed where {@code transposedWeight}, else {@code w [in, out]}; {@code y} in float32 where {@code floatOut},
   * else in the storage type.
   */
  record Shape(long rows, long in, long out, boolean transposedWeight, boolean floatOut, float alpha) {}

  /** Enqueues {@code y = alpha x w} (or {@code x w^T}) of {@code shape}, each operand with its own row stride. */
  void product(Strided x, Strided w, Strided y, Shape shape);
}
