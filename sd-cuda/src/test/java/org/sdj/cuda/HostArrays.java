package org.sdj.cuda;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;

/** 16-bit tensors in host memory at device-style addresses, decoded to float and rounded back once. */
final class HostArrays {
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;

  private HostArrays() {}

  /** {@code count} elements of {@code type} at {@code address}, as floats. */
  static float[] read(long address, long count, DType type) {
    int n = Math.toIntExact(count);
    MemorySegment s = MemorySegment.ofAddress(address).reinterpret(2L * n);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = HalfPrecision.decode(s.getAtIndex(I16, i), type);
    }
    return v;
  }

  /** {@code v} rounded to {@code type}, written at {@code address}. */
  static void write(long address, float[] v, DType type) {
    MemorySegment s = MemorySegment.ofAddress(address).reinterpret(2L * v.length);
    for (int i = 0; i < v.length; i++) {
      s.setAtIndex(I16, i, HalfPrecision.encode(v[i], type));
    }
  }

  /** {@code bytes} from {@code src} to {@code dst}; the ranges may overlap, as in a memmove. */
  static void copy(long src, long dst, long bytes) {
    MemorySegment.copy(MemorySegment.ofAddress(src).reinterpret(bytes), 0,
        MemorySegment.ofAddress(dst).reinterpret(bytes), 0, bytes);
  }
}
