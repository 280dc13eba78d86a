package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.sdj.cuda.Convolution.Algo;

/** Which of cuDNN's heuristic answers a convolution plan tries, and in what order (no GPU needed). */
class ConvolutionAlgoTest {
  private static final long MIB = 1L << 20;

  @Test
  void keepsTheHeuristicsOrderAmongAlgorithmsThatApplyAndFit() {
    Algo fast = new Algo(0, 6, 1, 64 * MIB);
    Algo unsupported = new Algo(3000, 7, 1, 0);
    Algo lean = new Algo(0, 1, 1, 0);
    assertEquals(List.of(fast, lean), Convolution.usable(List.of(unsupported, fast, lean), 256 * MIB));
  }

  @Test
  void triesWorkspaceHungryAlgorithmsLastLeanestFirst() {
    Algo huge = new Algo(0, 6, 1, 2048 * MIB);
    Algo big = new Algo(0, 5, 1, 512 * MIB);
    Algo fits = new Algo(0, 0, 0, 8 * MIB);
    assertEquals(List.of(fits, big, huge), Convolution.usable(List.of(huge, big, fits), 256 * MIB));
    assertEquals(List.of(big, huge), Convolution.usable(List.of(huge, big), 256 * MIB));
  }

  @Test
  void noApplicableAlgorithmLeavesNothingToTry() {
    assertEquals(List.of(), Convolution.usable(List.of(new Algo(3000, 1, 0, 0)), 256 * MIB));
  }
}
