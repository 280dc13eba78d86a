package org.sdj.io.safetensors;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;

/** Decodes the little-endian float encodings safetensors stores (F32, F16, BF16); {@code WeightFloats} encodes. */
final class FloatCodec {
  // Unaligned: a foreign file's header length need not be a multiple of the element size.
  private static final ValueLayout.OfFloat F32 =
      ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort HALF =
      ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private FloatCodec() {}

  /** Element {@code index} of {@code data}; the caller has checked the index and that {@code dtype} is a float type. */
  static float decode(DType dtype, MemorySegment data, long index) {
    return switch (dtype) {
      case F32 -> data.get(F32, index * Float.BYTES);
      case F16, BF16 -> HalfPrecision.decode(data.get(HALF, index * 2), dtype);
      default -> throw new IllegalArgumentException(dtype + " is not a float type");
    };
  }

  /** All {@code count} elements of {@code data}; {@code count} fits an array. */
  static float[] decodeAll(DType dtype, MemorySegment data, int count) {
    float[] out = new float[count];
    if (dtype == DType.F32) {
      MemorySegment.copy(data, F32, 0, out, 0, count);
      return out;
    }
    short[] halves = new short[count];
    MemorySegment.copy(data, HALF, 0, halves, 0, count);
    for (int i = 0; i < count; i++) {
      out[i] = HalfPrecision.decode(halves[i], dtype);
    }
    return out;
  }
}
