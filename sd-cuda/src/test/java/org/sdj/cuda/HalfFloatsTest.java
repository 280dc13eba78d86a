package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;
import org.sdj.backend.DType;
import org.sdj.backend.WeightData;

/** Host conversions to the device's 16-bit types. */
class HalfFloatsTest {
  @Test
  void channelsLastMovesChannelsInnermost() {
    // [2, 3, 1, 2]: element (n, c, 0, p) = 100 n + 10 c + p.
    short[] nchw = {0, 1, 10, 11, 20, 21, 100, 101, 110, 111, 120, 121};
    short[] nhwc = {0, 10, 20, 1, 11, 21, 100, 110, 120, 101, 111, 121};
    org.junit.jupiter.api.Assertions.assertArrayEquals(nhwc, HalfFloats.channelsLast(nchw, new long[] {2, 3, 1, 2}));
  }

  @Test
  void bf16RoundsToNearestEven() {
    // 1 + 2^-8 is halfway between bf16 neighbours 1 and 1 + 2^-7: ties go to the even one, 1.
    assertEquals(1f, HalfFloats.decode(HalfFloats.encode(1f + 0x1p-8f, DType.BF16), DType.BF16));
    assertEquals(1f + 0x1p-6f, HalfFloats.decode(HalfFloats.encode(1f + 0x1p-7f + 0x1p-8f, DType.BF16), DType.BF16));
    assertTrue(Float.isNaN(HalfFloats.decode(HalfFloats.encode(Float.NaN, DType.BF16), DType.BF16)));
    assertEquals(Float.POSITIVE_INFINITY, HalfFloats.decode(HalfFloats.encode(Float.MAX_VALUE, DType.BF16),
        DType.BF16));
  }

  @Test
  void f16MatchesJava() {
    for (float f : new float[] {0f, -1.5f, 65504f, 1e-7f, 3.14159f}) {
      assertEquals(Float.float16ToFloat(Float.floatToFloat16(f)),
          HalfFloats.decode(HalfFloats.encode(f, DType.F16), DType.F16));
    }
  }

  @Test
  void weightsAreCopiedOrConverted() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment f32 = arena.allocate(8);
      f32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 0, 0.5f);
      f32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 1, -2f);
      short[] h = HalfFloats.weight(new WeightData("w", DType.F32, new long[] {2}, f32), DType.F16);
      assertEquals(0.5f, Float.float16ToFloat(h[0]));
      assertEquals(-2f, Float.float16ToFloat(h[1]));
      MemorySegment bf = arena.allocate(4);
      bf.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 0, (short) 0x3f80);
      bf.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, 1, (short) 0xc000);
      short[] same = HalfFloats.weight(new WeightData("b", DType.BF16, new long[] {2}, bf), DType.BF16);
      assertEquals((short) 0x3f80, same[0]);
      assertEquals((short) 0xc000, same[1]);
      f32.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, 1, 1e6f);
      var e = assertThrows(IllegalArgumentException.class,
          () -> HalfFloats.weight(new WeightData("big", DType.F32, new long[] {2}, f32), DType.F16));
      assertTrue(e.getMessage().contains("BF16"), e.getMessage());
    }
  }
}
