package org.sdj.backend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
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

  /**
   * {@code parts} stacked along dimension 0 into a new host copy of shape {@code shape}: in the parts' dtype where they
   * share one, else in F32.
   *
   * @throws IllegalArgumentException if the parts' elements do not add up to {@code shape}, or do not fit one array
   */
  public static WeightData stack(String name, long[] shape, List<WeightData> parts) {
    DType type = parts.getFirst().dtype();
    for (WeightData p : parts) {
      if (p.dtype() != type) {
        type = DType.F32;
      }
    }
    long n = 0;
    for (WeightData p : parts) {
      n += p.numel();
    }
    long bytes = n * type.byteSize();
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("weight " + name + " " + Arrays.toString(shape) + " has " + bytes
          + " bytes; stacked weights must fit one host array");
    }
    MemorySegment out = MemorySegment.ofArray(new byte[(int) bytes]);
    long at = 0;
    for (WeightData p : parts) {
      if (p.dtype() == type) {
        MemorySegment.copy(p.data(), 0, out, at, p.data().byteSize());
      } else {
        float[] f = WeightFloats.toArray(p);
        MemorySegment.copy(f, 0, out, F32_LE, at, f.length);
      }
      at += p.numel() * type.byteSize();
    }
    return new WeightData(name, type, shape, out);
  }

  private static final ValueLayout.OfFloat F32_LE =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
