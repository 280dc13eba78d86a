package org.sdj.io.ckpt;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import org.sdj.backend.DType;
import org.sdj.io.safetensors.SafeTensor;

/**
 * A state-dict tensor checked against the storage record it views: every element it addresses lies inside the
 * record. Contiguous (row-major) tensors become zero-copy views of the mapped file; others (transposes, slices with
 * steps, expanded views) are gathered into row-major memory of the checkpoint's arena when first asked for, and that
 * memory is freed when the checkpoint closes.
 */
final class StridedTensor {
  /** Gathered copies may exceed their storage (stride-0 views repeat it) only up to this size. */
  private static final long MAX_EXPANDED_COPY = 64L << 20;

  private final String name;
  private final DType dtype;
  private final long[] shape;
  private final long[] byteStrides;
  private final long numel;
  private final boolean contiguous;
  /** The storage record, starting at the tensor's first element. */
  private final MemorySegment origin;

  private StridedTensor(String name, DType dtype, long[] shape, long[] byteStrides, long numel, boolean contiguous,
      MemorySegment origin) {
    this.name = name;
    this.dtype = dtype;
    this.shape = shape;
    this.byteStrides = byteStrides;
    this.numel = numel;
    this.contiguous = contiguous;
    this.origin = origin;
  }

  /**
   * Checks {@code tensor} against {@code record}, the bytes of its storage.
   *
   * @throws CkptException naming the tensor if its dtype is unsupported or it addresses bytes outside its storage
   */
  static StridedTensor of(Path file, String name, Pickled.Tensor tensor, MemorySegment record) {
    if (tensor.problem().isPresent()) {
      throw new CkptException(file, "tensor '" + name + "': " + tensor.problem().get());
    }
    DType dtype = tensor.dtype().orElseThrow();
    Pickled.Storage storage = tensor.storage();
    try {
      long storageBytes = storage.byteSize();
      if (storageBytes > record.byteSize()) {
        throw new CkptException(file, "storage '" + storage.key() + "' of tensor '" + name + "' declares "
            + storageBytes + " bytes but its record holds " + record.byteSize());
      }
      long[] shape = tensor.size();
      long numel = 1;
      long last = tensor.offset();
      for (int d = 0; d < shape.length; d++) {
        numel = Math.multiplyExact(numel, shape[d]);
        if (shape[d] > 0) {
          last = Math.addExact(last, Math.multiplyExact(shape[d] - 1, tensor.stride()[d]));
        }
      }
      long size = dtype.byteSize();
      long[] byteStrides = Arrays.stream(tensor.stride()).map(s -> s * size).toArray();
      if (numel == 0) {
        return new StridedTensor(name, dtype, shape, byteStrides, 0, true, record.asSlice(0, 0));
      }
      long end = Math.multiplyExact(Math.addExact(last, 1), size);
      if (end > storageBytes) {
        throw new CkptException(file, "tensor '" + name + "' reaches byte " + end + " of storage '" + storage.key()
            + "', which has " + storageBytes);
      }
      long bytes = Math.multiplyExact(numel, size);
      boolean contiguous = isRowMajor(shape, tensor.stride());
      if (!contiguous && bytes > Math.max(storageBytes, MAX_EXPANDED_COPY)) {
        throw new CkptException(file, "tensor '" + name + "' is an expanded view of " + bytes + " bytes over "
            + storageBytes + " stored; save it with .contiguous()");
      }
      long start = Math.multiplyExact(tensor.offset(), size);
      return new StridedTensor(name, dtype, shape, byteStrides, numel, contiguous,
          record.asSlice(start, storageBytes - start));
    } catch (ArithmeticException e) {
      throw new CkptException(file, "tensor '" + name + "' has a shape, stride or offset that overflows", e);
    }
  }

  /** Whether strides are those of a row-major layout; like torch, dimensions of size 1 may have any stride. */
  private static boolean isRowMajor(long[] shape, long[] stride) {
    long expected = 1;
    for (int d = shape.length - 1; d >= 0; d--) {
      if (shape[d] != 1 && stride[d] != expected) {
        return false;
      }
      expected *= shape[d];
    }
    return true;
  }

  /** The tensor: a view of the mapping if contiguous, else a row-major copy allocated in {@code arena}. */
  SafeTensor toSafeTensor(Path file, Arena arena) {
    long bytes = numel * dtype.byteSize();
    if (contiguous) {
      return SafeTensor.of(file, name, dtype, shape, origin.asSlice(0, bytes));
    }
    MemorySegment copy = arena.allocate(bytes, Long.BYTES);
    gather(copy);
    return SafeTensor.of(file, name, dtype, shape, copy);
  }

  /** Copies the elements in row-major order, a whole innermost row at once where it is dense. */
  private void gather(MemorySegment out) {
    int rank = shape.length;
    long elementSize = dtype.byteSize();
    long rowLength = shape[rank - 1];
    boolean denseRows = byteStrides[rank - 1] == elementSize;
    long[] index = new long[rank - 1];
    long source = 0;
    long target = 0;
    for (long row = 0, rows = numel / rowLength; row < rows; row++) {
      if (denseRows) {
        MemorySegment.copy(origin, source, out, target, rowLength * elementSize);
        target += rowLength * elementSize;
      } else {
        for (long i = 0; i < rowLength; i++) {
          MemorySegment.copy(origin, source + i * byteStrides[rank - 1], out, target, elementSize);
          target += elementSize;
        }
      }
      // Advance the odometer over the outer dimensions.
      for (int d = rank - 2; d >= 0; d--) {
        source += byteStrides[d];
        if (++index[d] < shape[d]) {
          break;
        }
        source -= byteStrides[d] * shape[d];
        index[d] = 0;
      }
    }
  }
}
