package org.sdj.model.blocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.model.Weights;

/**
 * Attention with its projections stacked (on a backend that asks for it) computes what the three separate
 * projections compute, and takes the same weights.
 */
class AttentionFusionTest {
  private static final int HEADS = 3;
  private static final long DIM_HEAD = 4;
  private static final long DIM = 10;
  private static final long CONTEXT_DIM = 7;
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  /** The reference backend, asking for fused projections. */
  private static final class FusingBackend extends ReferenceBackend {
    @Override
    public boolean fusedProjections() {
      return true;
    }
  }

  @Test
  void fusedSelfAttentionMatchesSeparateProjections() {
    Map<String, WeightData> dict = stateDict(DIM, true);
    float[] x = random(2 * 5 * DIM, 1);
    float[] separate = run(new ReferenceBackend(), dict, w -> Attention.self(w, DIM, HEADS, DIM_HEAD, true, 0, 0f),
        x, null, 3);
    float[] fused = run(new FusingBackend(), dict, w -> Attention.self(w, DIM, HEADS, DIM_HEAD, true, 0, 0f), x, null,
        1);
    assertArrayEquals(separate, fused, 1e-6f);
  }

  @Test
  void fusedCrossAttentionMatchesSeparateProjections() {
    Map<String, WeightData> dict = stateDict(CONTEXT_DIM, false);
    float[] x = random(2 * 5 * DIM, 2);
    float[] context = random(2 * 3 * CONTEXT_DIM, 3);
    float[] separate = run(new ReferenceBackend(), dict, w -> Attention.cross(w, DIM, CONTEXT_DIM, HEADS, DIM_HEAD),
        x, context, 3);
    float[] fused = run(new FusingBackend(), dict, w -> Attention.cross(w, DIM, CONTEXT_DIM, HEADS, DIM_HEAD), x,
        context, 2);
    assertArrayEquals(separate, fused, 1e-6f);
  }

  @Test
  void aSelfAttentionBlockRefusesAnotherContext() {
    Map<String, WeightData> dict = stateDict(DIM, false);
    try (Backend backend = new FusingBackend()) {
      Attention a = Attention.self(weights(backend, dict), DIM, HEADS, DIM_HEAD, false, 0, 0f);
      try (Ops ops = backend.ops()) {
        Tensor x = ops.fromHost(random(5 * DIM, 4), 1, 5, DIM);
        Tensor other = ops.fromHost(random(5 * DIM, 5), 1, 5, DIM);
        assertThrows(IllegalArgumentException.class, () -> a.forward(ops, x, other, null));
      }
    }
  }

  @Test
  void eachMissingOrMisshapenPartOfAStackIsReportedByName() {
    Map<String, WeightData> dict = stateDict(DIM, false);
    dict.remove("to_k.weight");
    put(dict, "to_v.weight", DType.F32, 19, HEADS * DIM_HEAD, DIM + 1);
    try (Backend backend = new FusingBackend()) {
      Weights w = weights(backend, dict);
      Attention.self(w, DIM, HEADS, DIM_HEAD, false, 0, 0f);
      assertEquals(List.of("missing weight to_k.weight [12, 10]",
          "weight to_v.weight has shape [12, 11], the config implies [12, 10]"), w.problems());
      assertEquals(2, w.tensors().size(), "to_out.0 only: no stack is made from a partial set");
    }
  }

  @Test
  void aRecordingViewListsEveryPartOfAStack() {
    Map<String, long[]> names = new java.util.TreeMap<>();
    Weights.recording(names).getStacked(List.of("to_q.weight", "to_k.weight"), 12, 10);
    assertEquals(Set.of("to_q.weight", "to_k.weight"), names.keySet());
    assertArrayEquals(new long[] {12, 10}, names.get("to_k.weight"));
  }

  /**
   * Builds the block, checks how many projection weights (q, k, v) reached the backend, and runs it on {@code x}
   * ({@code [2, 5, DIM]}) with {@code context} ({@code [2, 3, CONTEXT_DIM]}, or null for self-attention).
   */
  private static float[] run(Backend backend, Map<String, WeightData> dict, Function<Weights, Attention> build,
      float[] x, float[] context, int projectionWeights) {
    try (backend) {
      Weights w = weights(backend, dict);
      Attention a = build.apply(w);
      assertEquals(List.of(), w.problems());
      assertEquals(Set.of(), w.untaken());
      long biases = dict.containsKey("to_q.bias") ? 1 : 0;
      // to_out's weight and bias, plus the projections' weights (and as many biases where they have them).
      assertEquals(2 + projectionWeights * (1 + biases), w.tensors().size());
      try (Ops ops = backend.ops()) {
        Tensor tx = ops.fromHost(x, 2, 5, DIM);
        Tensor tc = context == null ? tx : ops.fromHost(context, 2, 3, CONTEXT_DIM);
        return ops.toHost(a.forward(ops, tx, tc, null));
      }
    }
  }

  private static Weights weights(Backend backend, Map<String, WeightData> dict) {
    return new Weights(backend, dict.keySet(), dict::get);
  }

  /** to_q (F32), to_k (F16: the stack then falls back to F32), to_v, to_out.0; biases on q/k/v when asked. */
  private static Map<String, WeightData> stateDict(long contextDim, boolean qkvBias) {
    long inner = HEADS * DIM_HEAD;
    Map<String, WeightData> dict = new HashMap<>();
    put(dict, "to_q.weight", DType.F32, 11, inner, DIM);
    put(dict, "to_k.weight", DType.F16, 12, inner, contextDim);
    put(dict, "to_v.weight", DType.F32, 13, inner, contextDim);
    put(dict, "to_out.0.weight", DType.F32, 14, DIM, inner);
    put(dict, "to_out.0.bias", DType.F32, 15, DIM);
    if (qkvBias) {
      put(dict, "to_q.bias", DType.BF16, 16, inner);
      put(dict, "to_k.bias", DType.BF16, 17, inner);
      put(dict, "to_v.bias", DType.BF16, 18, inner);
    }
    return dict;
  }

  private static void put(Map<String, WeightData> dict, String name, DType type, long seed, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    float[] v = random(n, seed);
    MemorySegment bytes = MemorySegment.ofArray(new byte[(int) (n * type.byteSize())]);
    for (int i = 0; i < n; i++) {
      switch (type) {
        case F32 -> bytes.setAtIndex(F32, i, v[i]);
        default -> bytes.setAtIndex(I16, i,
            HalfPrecision.encode(v[i], type));
      }
    }
    dict.put(name, new WeightData(name, type, shape, bytes));
  }

  private static float[] random(long n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[(int) n];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) r.nextGaussian() * 0.5f;
    }
    return v;
  }
}
