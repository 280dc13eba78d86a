package org.sdj.cpu;

import java.lang.foreign.MemorySegment;
import java.util.function.Consumer;
import org.sdj.backend.DType;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.backend.WeightFloats;

/**
 * A weight kept as its file holds it: the (usually memory-mapped) bytes in their file dtype, decoded to float only
 * inside the kernels, a panel at a time. This is why loading costs little more than reading the headers and why an
 * F16 checkpoint takes its file size, not twice that, in memory.
 */
final class CpuWeight implements Tensor {
  private final CpuBackend backend;
  private final WeightData data;
  private final Consumer<CpuWeight> onClose;
  private volatile boolean closed;

  CpuWeight(CpuBackend backend, WeightData data, Consumer<CpuWeight> onClose) {
    this.backend = backend;
    this.data = data;
    this.onClose = onClose;
  }

  CpuBackend backend() {
    return backend;
  }

  /** The bytes, in {@link #dtype()}. */
  MemorySegment segment() {
    checkOpen();
    return data.data();
  }

  /** All elements decoded to a new float array (for the small weights: biases, norms' affine parameters). */
  float[] toFloats() {
    checkOpen();
    return WeightFloats.toArray(data);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("weight " + data.name() + " " + Shapes.str(data.shape())
          + " was closed (by close() or by closing its backend) and cannot be used any more");
    }
  }

  @Override
  public long[] shape() {
    return data.shape();
  }

  @Override
  public DType dtype() {
    return data.dtype();
  }

  @Override
  public long numel() {
    return data.numel();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      onClose.accept(this);
    }
  }

  @Override
  public String toString() {
    return "CpuWeight " + data.name() + " " + data.dtype() + Shapes.str(data.shape()) + (closed ? " (closed)" : "");
  }
}
