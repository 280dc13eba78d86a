package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The operand alignment a product's plan is made for (no GPU needed). */
class GemmAlignmentTest {
  @Test
  void isTheLargestPowerOfTwoUpTo16DividingEveryAddress() {
    assertEquals(16, Gemm.alignment(0x10000, 0x20010));
    assertEquals(16, Gemm.alignment(0x10000, 0));
    assertEquals(2, Gemm.alignment(0x10000, 0x10000 + 1638));
    assertEquals(8, Gemm.alignment(0x10008, 0x10000));
    assertEquals(1, Gemm.alignment(0x10001));
  }
}
