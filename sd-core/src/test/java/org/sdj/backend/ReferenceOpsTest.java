package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.sdj.backend.reference.ReferenceBackend;

/** The oracle checked against values worked out by hand. */
class ReferenceOpsTest {
  private static final float EPS = 1e-6f;

  private final Backend backend = new ReferenceBackend();
  private final Ops ops = backend.ops();

  @AfterEach
  void close() {
    ops.close();
    backend.close();
  }

  private Tensor t(float[] v, long... shape) {
    return ops.fromHost(v, shape);
  }

  private void expect(float[] want, Tensor got) {
    assertArrayEquals(want, ops.toHost(got), EPS);
  }

  @Test
  void linearAddsBiasAndResidual() {
    Tensor x = t(new float[] {1, 2}, 1, 2);
    Tensor w = t(new float[] {1, 0, 1, 1, 0, -1}, 3, 2);
    expect(new float[] {1.5f, 3, -2}, ops.linear(x, w, t(new float[] {0.5f, 0, 0}, 3), null));
    expect(new float[] {2.5f, 3, -2}, ops.linear(x, w, null, t(new float[] {1.5f, 0, 0}, 1, 3)));
  }

  @Test
  void conv2dSumsWindows() {
    Tensor x = t(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9}, 1, 1, 3, 3);
    Tensor ones = t(new float[] {1, 1, 1, 1}, 1, 1, 2, 2);
    expect(new float[] {13, 17, 25, 29}, ops.conv2d(x, ones, t(new float[] {1}, 1), Conv2dParams.of(1, 0), null));
    // stride 2, one zero row and column after the image only: windows at (0,0), (0,2), (2,0), (2,2)
    Tensor y = ops.conv2d(x, ones, null, new Conv2dParams(2, 0, 1, 0, 1), null);
    assertArrayEquals(new long[] {1, 1, 2, 2}, y.shape());
    expect(new float[] {12, 9, 15, 9}, y);
  }

  @Test
  void conv2dMixesChannels() {
    Tensor x = t(new float[] {1, 2, 10, 20}, 1, 2, 1, 2);
    Tensor w = t(new float[] {1, -1, 0.5f, 0}, 2, 2, 1, 1);
    expect(new float[] {-9, -18, 0.5f, 1}, ops.conv2d(x, w, null, Conv2dParams.of(1, 0), null));
  }

  @Test
  void groupNormUsesBiasedVarianceOverTheGroup() {
    Tensor x = t(new float[] {1, 2, 3, 4}, 1, 2, 2);
    Tensor y = ops.groupNorm(x, 1, t(new float[] {1, 2}, 2), t(new float[] {0, 1}, 2), 0, false);
    // mean 2.5, variance 1.25
    expect(new float[] {-1.3416407865f, -0.4472135955f, 1.894427191f, 3.683281573f}, y);
    Tensor perChannel = ops.groupNorm(x, 2, t(new float[] {1, 1}, 2), t(new float[] {0, 0}, 2), 0, true);
    float silu = (float) (1 / (1 + Math.exp(-1)));
    expect(new float[] {-1 + silu, silu, -1 + silu, silu}, perChannel);
  }

  @Test
  void layerNormNormalizesTheLastDimension() {
    Tensor y = ops.layerNorm(t(new float[] {1, 2, 3, 5, 5, 5}, 2, 3), t(new float[] {1, 1, 1}, 3),
        t(new float[] {0, 0, 1}, 3), 0.001f);
    float s = (float) (1 / Math.sqrt(2.0 / 3 + 0.001));
    expect(new float[] {-s, 0, s + 1, 0, 0, 1}, y);
  }

  @Test
  void causalAttentionHidesLaterKeys() {
    Tensor q = t(new float[] {1, 1}, 1, 2, 1);
    Tensor k = t(new float[] {0, (float) Math.log(3)}, 1, 2, 1);
    Tensor v = t(new float[] {2, 6}, 1, 2, 1);
    // query 0 sees key 0 only; query 1 weighs the keys 1:3
    expect(new float[] {2, 5}, ops.attention(q, k, v, 1, 1, true));
    expect(new float[] {5, 5}, ops.attention(q, k, v, 1, 1, false));
  }

  @Test
  void attentionReadsHeadsFromColumns() {
    // two heads of size 1: head 0 attends uniformly, head 1 is scaled so one key dominates completely
    Tensor q = t(new float[] {0, 100}, 1, 1, 2);
    Tensor k = t(new float[] {1, 1, 1, -1}, 1, 2, 2);
    Tensor v = t(new float[] {2, 3, 4, 7}, 1, 2, 2);
    expect(new float[] {3, 3}, ops.attention(q, k, v, 2, 1, false));
  }

  @Test
  void upsampleNearestFollowsTorch() {
    Tensor x = t(new float[] {10, 20, 30}, 1, 1, 1, 3);
    expect(new float[] {10, 10, 20, 20, 30}, ops.upsampleNearest(x, 1, 5));
    expect(new float[] {10, 10, 20, 20, 30, 30}, ops.upsampleNearest(x, 1, 6));
    // 3 -> 2: scale 1.5, sources floor(0) and floor(1.5); not "nearest-exact"
    expect(new float[] {10, 20}, ops.upsampleNearest(x, 1, 2));
  }

  @Test
  void activationsMatchTheirDefinitions() {
    Tensor x = t(new float[] {1, -3, 0.5f}, 3);
    assertArrayEquals(new float[] {0.8413447460685429f, -0.00404969409489031f, 0.34573123063700656f},
        ops.toHost(ops.activation(x, Activation.GELU)), 1e-7f);
    expect(new float[] {0.8411919906082768f, -0.0036373920817729943f, 0.34571400982514394f},
        ops.activation(x, Activation.GELU_TANH));
    expect(new float[] {0.7310585786300049f, -0.14227761953270035f, 0.3112296656009273f},
        ops.activation(x, Activation.SILU));
    expect(new float[] {0.8457957659328212f, -0.01807130970778597f, 0.35038843660638014f},
        ops.activation(x, Activation.QUICK_GELU));
    expect(new float[] {2 * 0.8413447460685429f}, ops.geglu(t(new float[] {2, 1}, 2)));
  }

  @Test
  void geluIsAccurateFarIntoTheNegativeTail() {
    // gelu(-6) = -6 * Phi(-6) = -5.9195e-9; an erf with absolute error 1e-7 would be off by 50x here
    double got = ActivationMath.gelu(-6);
    assertEquals(-5.919525870226207e-9, got, 1e-6 * 5.92e-9);
  }

  @Test
  void broadcastsAndLayouts() {
    Tensor a = t(new float[] {1, 2, 3, 4}, 2, 2);
    expect(new float[] {11, 22, 13, 24}, ops.add(a, t(new float[] {10, 20}, 2)));
    expect(new float[] {11, 12, 23, 24}, ops.addPerChannel(ops.reshape(a, 1, 2, 2), t(new float[] {10, 20}, 1, 2)));
    expect(new float[] {2, 4}, ops.narrow(a, 1, 1, 1));
    expect(new float[] {1, 2, 9, 3, 4, 9}, ops.concat(1, a, t(new float[] {9, 9}, 2, 1)));
    Tensor tokens = ops.nchwToTokens(ops.reshape(a, 1, 2, 1, 2));
    assertArrayEquals(new long[] {1, 2, 2}, tokens.shape());
    expect(new float[] {1, 3, 2, 4}, tokens);
    expect(new float[] {1, 2, 3, 4}, ops.tokensToNchw(tokens, 1, 2));
    expect(new float[] {3, 4, 1, 2, 3, 4}, ops.embedding(a, new int[] {1, 0, 1}));
    expect(new float[] {-0.5f, -1}, ops.scale(t(new float[] {1, 2}, 2), -0.5f));
  }
}
