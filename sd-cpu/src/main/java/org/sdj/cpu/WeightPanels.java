package org.sdj.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.sdj.backend.DType;

/**
 * A weight in its file dtype as a GEMM operand: element {@code (o, k)} at index {@code o * depth + k}, i.e. the rows of
 * a linear layer's {@code [out, in]} or a convolution's {@code [O, C*kh*kw]}. Half-precision elements are widened to
 * float here, while packing, so the weight never exists as a float32 copy.
 *
 * <p>Packing goes in two steps: the rows of the block are decoded side by side into a small float buffer (bulk copies
 * and unit-stride conversion loops), then {@link Simd#transpose} turns them into the panel. Writing the panel
 * straight from the segment, one element at a time a panel row apart, took half again as long.
 */
final class WeightPanels implements Panels {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ThreadLocal<float[]> ROWS = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<short[]> HALVES = ThreadLocal.withInitial(() -> new short[0]);

  private final Simd simd;
  private final MemorySegment seg;
  private final DType dtype;
  private final long depth;

  WeightPanels(Simd simd, CpuWeight w, long depth) {
    this.simd = simd;
    this.seg = w.segment();
    this.dtype = w.dtype();
    this.depth = depth;
  }

  @Override
  public void pack(int o0, int count, int k0, int kc, int width, float[] dst, int dOff) {
    if (count == 1 && width == 1) {
      // One row as a row (an embedding lookup): decoded in place.
      decode(o0, k0, kc, dst, dOff, Scratch.shorts(HALVES, dtype == DType.F32 ? 0 : kc));
      return;
    }
    float[] rows = Scratch.floats(ROWS, count * kc);
    short[] halves = Scratch.shorts(HALVES, dtype == DType.F32 ? 0 : kc);
    for (int i = 0; i < count; i++) {
      decode(o0 + i, k0, kc, rows, i * kc, halves);
    }
    simd.transpose(rows, 0, kc, count, kc, dst, dOff, width);
  }

  /** Elements {@code k0 .. k0 + kc} of row {@code o} as floats at {@code out[off ..]}. */
  private void decode(int o, int k0, int kc, float[] out, int off, short[] halves) {
    long first = o * depth + k0;
    switch (dtype) {
      case F16 -> {
        MemorySegment.copy(seg, I16, first * 2, halves, 0, kc);
        for (int p = 0; p < kc; p++) {
          out[off + p] = Float.float16ToFloat(halves[p]);
        }
      }
      case BF16 -> {
        MemorySegment.copy(seg, I16, first * 2, halves, 0, kc);
        simd.bf16ToFloat(halves, kc, out, off);
      }
      default -> MemorySegment.copy(seg, F32, first * 4, out, off, kc);
    }
  }
}
