package org.sdj.backend.reference;

import java.util.function.BiConsumer;
import org.sdj.backend.DType;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;

/**
 * A float32 tensor on the Java heap. Views ({@code reshape}) share the array; since no op writes into its inputs, a
 * shared array is never changed under a reader.
 */
final class HeapTensor implements Tensor {
  private final Object backend;
  private final long[] shape;
  /** Told of the close, with the array the tensor held. */
  private final BiConsumer<HeapTensor, float[]> onClose;
  private volatile float[] data;

  HeapTensor(Object backend, long[] shape, float[] data, BiConsumer<HeapTensor, float[]> onClose) {
    this.backend = backend;
    this.shape = shape.clone();
    this.data = data;
    this.onClose = onClose;
  }

  /** The backend that made this tensor; ops accept only their own backend's tensors. */
  Object backend() {
    return backend;
  }

  /** The elements; callers must not write into them. */
  float[] data() {
    float[] d = data;
    if (d == null) {
      throw new IllegalStateException("tensor " + Shapes.str(shape) + " was closed (by close() or by closing the"
          + " scope or backend that owned it) and cannot be used any more");
    }
    return d;
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public DType dtype() {
    return DType.F32;
  }

  @Override
  public int rank() {
    return shape.length;
  }

  @Override
  public long dim(int i) {
    return shape[i < 0 ? shape.length + i : i];
  }

  @Override
  public void close() {
    float[] d = data;
    if (d != null) {
      data = null;
      onClose.accept(this, d);
    }
  }

  @Override
  public String toString() {
    return "HeapTensor" + Shapes.str(shape) + (data == null ? " (closed)" : "");
  }
}
