package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@link RowPlan}: which plans it chooses, and the makespans it expects of them. */
class RowPlanTest {
  /**
   * Head size 80's kernel (three consumers) at N 4096, 16 heads, 132 SMs: the plain grid's 352 blocks end after three
   * waves; 16 full blocks and 8 of two consumers per head (4096 rows) after 2 + 0.8.
   */
  @Test
  void shortensTheLastWave() {
    RowPlan plain = RowPlan.plain(4096, 192);
    assertEquals(new RowPlan(22, 0), plain);
    assertEquals(3.0, plain.makespan(4096, 3, 16, 132), 1e-9);
    RowPlan chosen = RowPlan.choose(4096, 3, 16, 132);
    assertEquals(new RowPlan(16, 8), chosen);
    assertEquals(2.8, chosen.makespan(4096, 3, 16, 132), 1e-9);
    assertEquals(24, chosen.blocks());
    assertEquals(17 << RowPlan.OPTION_SHIFT, chosen.option());
  }

  /** Whole waves (four consumers at N 4096: 256 blocks, 1.94 waves) keep the plain grid. */
  @Test
  void keepsWholeWaves() {
    assertEquals(RowPlan.plain(4096, 256), RowPlan.choose(4096, 4, 16, 132));
    assertEquals(0, RowPlan.plain(4096, 256).option());
    assertEquals(RowPlan.plain(4096, 128), RowPlan.choose(4096, 2, 16, 132));
  }

  /**
   * Fewer blocks than SMs (head size 80 at N 1024: 96 blocks on 132 SMs): shorter blocks only, each ending sooner;
   * the option then still says a plan (full + 1 = 1).
   */
  @Test
  void oneWaveOfShorterBlocks() {
    RowPlan chosen = RowPlan.choose(1024, 3, 16, 132);
    assertEquals(new RowPlan(0, 8), chosen);
    assertEquals(1 << RowPlan.OPTION_SHIFT, chosen.option());
    assertEquals(RowPlan.cost(2, 3), chosen.makespan(1024, 3, 16, 132), 1e-9);
  }

  /**
   * Long heads (a million rows, 5462 blocks of 192 each) search only the plans that change the last waves, and keep
   * the plain grid: its 87392 blocks fill 662.06 waves of 132 SMs, which no plan shortens by the margin.
   */
  @Test
  void longHeadsKeepThePlainGrid() {
    assertEquals(RowPlan.plain(1 << 20, 192), RowPlan.choose(1 << 20, 3, 16, 132));
  }

  /** A plan covers every row with blocks that each hold some, and one slot keeps the plain grid's padding. */
  @Test
  void coversEveryRow() {
    for (int consumers = 2; consumers <= 4; consumers++) {
      int rows = 64 * consumers;
      for (int nq : new int[] {1, 63, 64, 65, 200, 1000, 4096, 4097, 9000}) {
        for (int slots : new int[] {1, 7, 132}) {
          RowPlan p = RowPlan.choose(nq, consumers, 3, slots);
          int covered = p.full() * rows + p.part() * (rows - 64);
          assertTrue(covered >= nq, p + " covers " + nq);
          int last = p.part() > 0 ? covered - (rows - 64) : covered - rows;
          assertTrue(last < nq, p + ": its last block holds rows of " + nq);
          if (slots == 1) {
            assertEquals(RowPlan.plain(nq, rows), p, "one slot: nothing to balance");
          }
        }
      }
    }
  }
}
