package org.sdj.cuda;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.sdj.backend.DType;
import org.sdj.backend.Shapes;
import org.sdj.backend.Tensor;

/**
 * A tensor in GPU memory, row-major: in the backend's 16-bit compute type, or float32 for the denoising loop's latents.
 * A rank-4 tensor may instead be {@linkplain #channelsLast() channels-last}: its shape stays {@code [N, C, H, W]}, its
 * memory is {@code [N, H, W, C]} (a convolution filter's {@code [O, kh, kw, C]}).
 */
final class DeviceTensor implements Tensor {
  private final CudaBackend backend;
  private final Storage storage;
  private final long[] shape;
  private final DType dtype;
  private final boolean channelsLast;
  private final Consumer<DeviceTensor> onClose;
  /** Set once: two threads closing one tensor must not both give its storage back. */
  private final AtomicBoolean closed = new AtomicBoolean();

  DeviceTensor(CudaBackend backend, Storage storage, long[] shape, DType dtype, Consumer<DeviceTensor> onClose) {
    this(backend, storage, shape, dtype, false, onClose);
  }

  DeviceTensor(CudaBackend backend, Storage storage, long[] shape, DType dtype, boolean channelsLast,
      Consumer<DeviceTensor> onClose) {
    if (channelsLast && shape.length != 4) {
      throw new IllegalArgumentException("only a rank-4 tensor can be channels-last, not " + Shapes.str(shape));
    }
    this.backend = backend;
    this.storage = storage;
    this.shape = shape.clone();
    this.dtype = dtype;
    this.channelsLast = channelsLast;
    this.onClose = onClose;
  }

  /** Whether memory holds {@code [N, H, W, C]} for the shape {@code [N, C, H, W]}. */
  boolean channelsLast() {
    return channelsLast;
  }

  CudaBackend backend() {
    return backend;
  }

  Storage storage() {
    return storage;
  }

  /** The device address of element 0. */
  long address() {
    if (closed.get()) {
      throw new IllegalStateException("tensor " + Shapes.str(shape) + " was closed (by close() or by closing the"
          + " scope or backend that owned it) and cannot be used any more");
    }
    return storage.address();
  }

  long bytes() {
    return numel() * dtype.byteSize();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  @Override
  public DType dtype() {
    return dtype;
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
    if (closed.compareAndSet(false, true)) {
      storage.drop();
      onClose.accept(this);
    }
  }

  @Override
  public String toString() {
    return "DeviceTensor" + Shapes.str(shape) + " " + dtype + (channelsLast ? " channels-last" : "")
        + (closed.get() ? " (closed)" : "");
  }
}
