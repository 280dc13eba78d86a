package org.sdj.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.sdj.backend.DType;

/**
 * A weight in its file dtype as a GEMM operand: element {@code (o, k)} at index {@code o * depth + k}, i.e. the rows of
 * a linear layer's {@code [out, in]} or a convolution's {@code [O, C*kh*kw]}. Half-precision elements are widened to
 * float here, while packing, so the weight never exists as a float32 copy.
 */
final class WeightPanels implements Panels {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final MemorySegment seg;
  private final DType dtype;
  private final long depth;

  WeightPanels(CpuWeight w, long depth) {
    this.seg = w.segment();
    this.dtype = w.dtype();
    this.depth = depth;
  }

  @Override
  public void pack(int o0, int count, int k0, int kc, int width, float[] dst, int dOff) {
    for (int i = 0; i < count; i++) {
      long base = (o0 + i) * depth + k0;
      int d = dOff + i;
      switch (dtype) {
        case F16 -> {
          for (int p = 0; p < kc; p++) {
            dst[d + p * width] = Float.float16ToFloat(seg.getAtIndex(I16, base + p));
          }
        }
        case BF16 -> {
          for (int p = 0; p < kc; p++) {
            dst[d + p * width] = Float.intBitsToFloat(seg.getAtIndex(I16, base + p) << 16);
          }
        }
        default -> {
          for (int p = 0; p < kc; p++) {
            dst[d + p * width] = seg.getAtIndex(F32, base + p);
          }
        }
      }
    }
    Panels.zeroTail(count, kc, width, dst, dOff);
  }
}
