package org.sdj.random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.sdj.SdjException;

/**
 * Expected values were printed by torch 2.13 (CPU) with
 * {@code torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float32)}.
 */
class TorchGeneratorTest {
  private static final double TOLERANCE = 1e-5;

  /** Pairs of (flat index, expected value). */
  private static void assertValues(float[] actual, double... indexValuePairs) {
    for (int k = 0; k < indexValuePairs.length; k += 2) {
      int index = (int) indexValuePairs[k];
      assertEquals(indexValuePairs[k + 1], actual[index], TOLERANCE, "element " + index);
    }
  }

  @Test
  void smallDrawTakesTheScalarPath() {
    float[] x = new TorchGenerator(0).randn(5);
    assertValues(x, 0, 1.5409960746765137, 1, -0.293428897857666, 2, -2.1787893772125244,
        3, 0.5684312582015991, 4, -1.0845223665237427);
  }

  @Test
  void blockDrawTakesTheVectorisedPath() {
    float[] x = TorchGenerator.seeded(0).randn(1, 4, 8, 8);
    assertEquals(256, x.length);
    assertValues(x, 0, -1.1258398294448853, 1, -1.152360200881958, 15, -0.2472781538963318,
        16, -1.3526537418365479, 100, -2.6133224964141846, 255, 0.39039579033851624);
  }

  @Test
  void sdLatentSizedDraw() {
    float[] x = new TorchGenerator(42).randn(1, 4, 64, 64);
    assertValues(x, 0, 1.9269152879714966, 1, 1.4872840642929077, 8191, 1.8563321828842163,
        16383, -0.29340609908103943);
  }

  @Test
  void seedAbove32BitsUsesItsLowWordAndTailBlockIsRedrawn() {
    TorchGenerator g = new TorchGenerator(123456789012L);
    assertValues(g.randn(2, 3), 0, -0.6109422445297241, 1, -0.33908164501190186, 2, -0.33875617384910583,
        3, 1.0420372486114502, 4, -0.22853635251522064, 5, -1.0248593091964722);
    assertValues(g.randn(37), 0, 0.9742882251739502, 15, 0.07060582935810089, 20, -0.15097327530384064,
        21, -0.5062416195869446, 36, 0.14510022103786469);
  }

  @Test
  void largestUnsigned32BitSeedWithPartialLastBlock() {
    float[] x = new TorchGenerator(4294967295L).randn(1, 4, 9, 9);
    assertValues(x, 0, -2.664297580718994, 300, -0.19692261517047882, 308, -2.2313952445983887,
        309, -0.32486405968666077, 323, 0.16217856109142303);
  }

  @Test
  void stateAndCachedNormalCarryAcrossDraws() {
    TorchGenerator g = new TorchGenerator(7);
    assertValues(g.randn(3), 0, -0.1467950940132141, 1, 0.7861412763595581, 2, 0.9468216300010681);
    assertValues(g.randn(20), 0, -0.17643792927265167, 19, -1.056684136390686);
    assertValues(g.randn(3), 0, -1.1143440008163452, 1, -0.4578188955783844, 2, -0.7244732975959778);
    assertValues(g.randn(1), 0, 1.2798781394958496);
  }

  @Test
  void sameSeedSameValues() {
    assertArrayEquals(new TorchGenerator(9).randn(40), new TorchGenerator(9).randn(40));
  }

  @Test
  void emptyAndBadShapes() {
    assertEquals(0, new TorchGenerator(1).randn(0).length);
    assertEquals(0, new TorchGenerator(1).randn(2, 0, 3).length);
    assertThrows(SdjException.class, () -> new TorchGenerator(1).randn(-1));
    assertThrows(SdjException.class, () -> new TorchGenerator(1).randn(2, -3));
    assertThrows(SdjException.class, () -> new TorchGenerator(1).randn(1L << 20, 1L << 20));
  }
}
