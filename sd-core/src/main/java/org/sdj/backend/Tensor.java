package org.sdj.backend;

/**
 * A tensor that lives where its backend keeps it (heap, off-heap or device memory). Row-major; image tensors are
 * {@code [N, C, H, W]}, token tensors {@code [N, L, D]}.
 *
 * <p>A tensor is owned by the {@link Ops} scope or the {@link Backend} that made it and is freed when its owner closes.
 * {@link #close()} frees it earlier, which keeps the peak memory of a forward pass low; closing twice is harmless, and a
 * closed tensor must not be used again.
 */
public interface Tensor extends AutoCloseable {

  /** The shape (a copy). */
  long[] shape();

  /** The element type: {@link DType#F32} for activations, the file dtype for weights where the backend keeps it. */
  DType dtype();

  default int rank() {
    return shape().length;
  }

  /** Size of dimension {@code i}; negative {@code i} counts from the end. */
  default long dim(int i) {
    long[] s = shape();
    return s[i < 0 ? s.length + i : i];
  }

  default long numel() {
    long n = 1;
    for (long d : shape()) {
      n *= d;
    }
    return n;
  }

  /** Frees the tensor now instead of when its owner closes. */
  @Override
  void close();
}
