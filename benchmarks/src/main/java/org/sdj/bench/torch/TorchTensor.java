package org.sdj.bench.torch;

import java.util.function.Consumer;
import org.sdj.backend.DType;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;

/** A libtorch tensor (float32, CPU) owned by a {@link TorchOps} scope or the {@link TorchBackend}. */
final class TorchTensor implements Tensor {
  private final Object owner;
  private final long[] shape;
  private final Consumer<TorchTensor> onClose;
  private org.bytedeco.pytorch.Tensor value;

  TorchTensor(Object owner, org.bytedeco.pytorch.Tensor value, long[] shape, Consumer<TorchTensor> onClose) {
    this.owner = owner;
    this.value = value;
    this.shape = shape.clone();
    this.onClose = onClose;
  }

  Object owner() {
    return owner;
  }

  org.bytedeco.pytorch.Tensor value() {
    if (value == null) {
      throw new IllegalStateException("tensor " + Shapes.str(shape) + " was closed and cannot be used any more");
    }
    return value;
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
  public void close() {
    if (value != null) {
      value.close();
      value = null;
      onClose.accept(this);
    }
  }
}
