package org.sdj.backend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Between weight bytes and host floats: decoding for backends (and tests) that compute on float32 copies of the
 * weights, encoding for weights made on the host (merged LoRAs, files being written).
 */
public final class WeightFloats {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private WeightFloats() {}

  /**
   * The weight's elements as floats, row-major.
   *
   * @throws IllegalArgumentException if the weight has more elements than a Java array holds
   */
  public static float[] toArray(WeightData w) {
    long n = w.numel();
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("weight " + w.name() + " " + Shapes.str(w.shape()) + " has " + n
          + " elements; at most " + (Integer.MAX_VALUE - 8) + " fit a host array");
    }
    MemorySegment s = w.data();
    float[] out = new float[(int) n];
    switch (w.dtype()) {
      case F32 -> MemorySegment.copy(s, F32, 0, out, 0, out.length);
      case F16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.float16ToFloat(s.getAtIndex(I16, i));
        }
      }
      case BF16 -> {
        for (int i = 0; i < out.length; i++) {
          out[i] = Float.intBitsToFloat(s.getAtIndex(I16, i) << 16);
        }
      }
      default -> throw new IllegalArgumentException("weight " + w.name() + " has dtype " + w.dtype()
          + "; weights must be F32, F16 or BF16");
    }
    return out;
  }

  /** {@code values} as little-endian {@code dtype} bytes (F32, F16 or BF16), rounding to nearest even. */
  public static byte[] encode(DType dtype, float[] values) {
    ByteBuffer out =
        ByteBuffer.allocate(Math.multiplyExact(values.length, dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) {
      switch (dtype) {
        case F32 -> out.putFloat(v);
        case F16, BF16 -> out.putShort(HalfPrecision.encode(v, dtype));
        default -> throw new IllegalArgumentException(dtype + " is not a float type");
      }
    }
    return out.array();
  }
}
