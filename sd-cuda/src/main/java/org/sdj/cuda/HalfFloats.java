package org.sdj.cuda;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;
import org.sdj.backend.Shapes;
import org.sdj.backend.WeightData;
import org.sdj.backend.WeightFloats;

/** Host-side conversion between floats and the 16-bit storage types the device computes on (F16, BF16). */
final class HalfFloats {
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final float F16_MAX = 65504f;

  private HalfFloats() {}

  /** {@code f} rounded to nearest-even in {@code type}. */
  static short encode(float f, DType type) {
    return HalfPrecision.encode(f, type);
  }

  static float decode(short bits, DType type) {
    return HalfPrecision.decode(bits, type);
  }

  static short[] encode(float[] v, DType type) {
    short[] out = new short[v.length];
    for (int i = 0; i < v.length; i++) {
      out[i] = encode(v[i], type);
    }
    return out;
  }

  static float[] decode(short[] bits, DType type) {
    float[] out = new float[bits.length];
    for (int i = 0; i < bits.length; i++) {
      out[i] = decode(bits[i], type);
    }
    return out;
  }

  /**
   * A weight's elements in {@code type}: its bytes as they are when the file already holds {@code type}, else
   * converted through float.
   *
   * @throws IllegalArgumentException if a finite weight does not fit F16's range (such a model needs BF16)
   */
  static short[] weight(WeightData w, DType type) {
    if (w.dtype() == type) {
      long n = w.numel();
      if (n > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("weight " + w.name() + " " + Shapes.str(w.shape()) + " is too large");
      }
      short[] out = new short[(int) n];
      java.lang.foreign.MemorySegment.copy(w.data(), I16, 0, out, 0, out.length);
      return out;
    }
    float[] f = WeightFloats.toArray(w);
    if (type == DType.F16) {
      for (float x : f) {
        if (Float.isFinite(x) && Math.abs(x) > F16_MAX) {
          throw new IllegalArgumentException("weight " + w.name() + " holds " + x + ", beyond float16's range;"
              + " run this model with the CUDA backend's BF16 compute type");
        }
      }
    }
    return encode(f, type);
  }

  /**
   * {@code bits} of a row-major {@code [n, c, h, w]} tensor rearranged channels-last, {@code [n, h, w, c]} (a
   * convolution filter's {@code [o, kh, kw, c]}): a new array.
   */
  static short[] channelsLast(short[] bits, long[] shape) {
    int n = (int) shape[0];
    int c = (int) shape[1];
    int hw = (int) (shape[2] * shape[3]);
    short[] out = new short[bits.length];
    for (int i = 0; i < n; i++) {
      int base = i * c * hw;
      for (int ch = 0; ch < c; ch++) {
        for (int p = 0; p < hw; p++) {
          out[base + p * c + ch] = bits[base + ch * hw + p];
        }
      }
    }
    return out;
  }
}
