package org.sdj.backend;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * Weight bytes as a file holds them: little-endian, row-major, {@code numel(shape) * dtype.byteSize()} bytes. The
 * segment usually maps a model file; a backend may keep it (CPU) or copy it (device) but never writes to it.
 *
 * @param name state-dict name, for error messages
 * @param dtype file dtype, one of the {@linkplain DType#isFloatConvertible() float-convertible} ones
 * @param shape tensor shape
 * @param data the bytes
 */
public record WeightData(String name, DType dtype, long[] shape, MemorySegment data) {
  public WeightData {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(dtype, "dtype");
    Objects.requireNonNull(data, "data");
    shape = shape.clone();
    if (!dtype.isFloatConvertible()) {
      throw new IllegalArgumentException("weight " + name + " has dtype " + dtype + "; weights must be F32, F16 or BF16");
    }
    long n = 1;
    for (long d : shape) {
      n = Math.multiplyExact(n, d);
    }
    if (data.byteSize() != n * dtype.byteSize()) {
      throw new IllegalArgumentException("weight " + name + " has " + data.byteSize() + " bytes, expected "
          + n * dtype.byteSize() + " for " + dtype + " " + Arrays.toString(shape));
    }
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  public long numel() {
    return data.byteSize() / dtype.byteSize();
  }
}
