package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The benchmarks' summary of repeated timings (no GPU needed). */
class SpreadTest {
  @Test
  void medianOfAnOddAndAnEvenNumberOfRounds() {
    assertEquals(new Spread(2, 1, 9, 3), Spread.of(new double[] {9, 1, 2}));
    assertEquals(new Spread(2.5, 1, 9, 4), Spread.of(new double[] {9, 3, 1, 2}));
  }

  @Test
  void formatsTheMedianFirst() {
    assertEquals("8.918 ms (min 8.901, max 8.950 over 5 rounds)",
        new Spread(8.918, 8.901, 8.95, 5).format(3));
  }
}
