package org.sdj.backend;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Decodes weight bytes into host floats, for backends (and tests) that compute on float32 copies of the weights. */
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
}
