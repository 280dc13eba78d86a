package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Rounding to the 16-bit float formats. */
class HalfPrecisionTest {
  @Test
  void bf16RoundsToNearestEvenAndKeepsFloat32sRange() {
    // 1 + 2^-8 lies halfway between bf16 neighbours 1 and 1 + 2^-7: the tie goes to the even one.
    assertEquals(1f, HalfPrecision.round(1f + 0x1p-8f, DType.BF16));
    assertEquals(1f + 0x1p-6f, HalfPrecision.round(1f + 0x1p-7f + 0x1p-8f, DType.BF16));
    assertEquals(1e30f, HalfPrecision.round(1e30f, DType.BF16), 1e30f * 0x1p-8f);
    assertEquals(Float.POSITIVE_INFINITY, HalfPrecision.round(Float.MAX_VALUE, DType.BF16));
    assertTrue(Float.isNaN(HalfPrecision.round(Float.NaN, DType.BF16)));
    assertTrue(Float.isNaN(HalfPrecision.decode(HalfPrecision.encode(Float.intBitsToFloat(0x7f800001), DType.BF16),
        DType.BF16)), "a NaN whose payload lies in the dropped bits stays a NaN");
  }

  @Test
  void f16RoundsToNearestEvenAndOverflowsToInfinity() {
    assertEquals(1f, HalfPrecision.round(1f + 0x1p-11f, DType.F16));
    assertEquals(65504f, HalfPrecision.round(65504f, DType.F16));
    assertEquals(Float.POSITIVE_INFINITY, HalfPrecision.round(70000f, DType.F16));
  }

  @Test
  void otherTypesAreRefused() {
    assertThrows(IllegalArgumentException.class, () -> HalfPrecision.encode(1f, DType.F32));
    assertThrows(IllegalArgumentException.class, () -> HalfPrecision.decode((short) 0, DType.F32));
  }
}
