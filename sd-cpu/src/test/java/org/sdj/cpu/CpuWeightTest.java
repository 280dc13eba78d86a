package org.sdj.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;

/** Weights stay in their file dtype, in the caller's segment, and are widened only where an op reads them. */
class CpuWeightTest {
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  @Test
  void aHalfPrecisionWeightIsKeptAsItIs() {
    try (Arena arena = Arena.ofShared(); CpuBackend backend = new CpuBackend(2)) {
      MemorySegment seg = arena.allocate(2 * 3 * 2);
      float[] values = {1, -2, 0.5f, 3, 4, -0.25f};
      for (int i = 0; i < values.length; i++) {
        seg.setAtIndex(I16, i, Float.floatToFloat16(values[i]));
      }
      Tensor w = backend.weight(new WeightData("table", DType.F16, new long[] {3, 2}, seg));
      assertEquals(DType.F16, w.dtype());
      assertEquals(seg.address(), ((CpuWeight) w).segment().address(), "a shared segment is not copied");
      try (Ops ops = backend.ops()) {
        assertArrayEquals(new float[] {4, -0.25f, 1, -2}, ops.toHost(ops.embedding(w, new int[] {2, 0})));
        assertArrayEquals(new float[] {0.5f, 3}, ops.toHost(ops.narrow(w, 0, 1, 1)));
        assertArrayEquals(new float[] {-1, -0.5f, -4}, ops.toHost(ops.scale(ops.narrow(w, 1, 0, 1), -1)), 0);
      }
      w.close();
      try (Ops ops = backend.ops()) {
        assertThrows(IllegalStateException.class, () -> ops.embedding(w, new int[] {0}));
      }
    }
  }

  @Test
  void weightsOfAnotherCpuBackendAreRefused() {
    try (Arena arena = Arena.ofShared(); CpuBackend one = new CpuBackend(1); CpuBackend other = new CpuBackend(1)) {
      Tensor w = one.weight(new WeightData("w", DType.F32, new long[] {1, 1}, arena.allocate(4)));
      try (Ops ops = other.ops()) {
        assertThrows(IllegalArgumentException.class, () -> ops.linear(ops.fromHost(new float[1], 1, 1), w, null, null));
      }
    }
  }
}
