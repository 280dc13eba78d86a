package org.sdj.bench;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.WeightData;
import org.sdj.model.Weights;

/** Seeded random operands for the op benchmarks: activations, and weights in a file dtype. */
public final class RandomWeights {
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private RandomWeights() {}

  /** Normal values of standard deviation {@code std}. */
  public static float[] normal(long count, double std, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    float[] v = new float[Math.toIntExact(count)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (r.nextGaussian() * std);
    }
    return v;
  }

  /** An activation of unit-normal elements. */
  public static Tensor activation(Ops ops, long seed, long... shape) {
    return ops.fromHost(normal(numel(shape), 1, seed), shape);
  }

  /** A weight stored as {@code dtype} in {@code arena} (shared, so that worker threads may read it). */
  public static Tensor weight(Backend backend, Arena arena, DType dtype, long seed, long... shape) {
    long n = numel(shape);
    float[] v = normal(n, 1 / Math.sqrt((double) n / shape[0]), seed);
    MemorySegment seg = arena.allocate(n * dtype.byteSize(), 8);
    for (int i = 0; i < v.length; i++) {
      switch (dtype) {
        case F16 -> seg.setAtIndex(I16, i, Float.floatToFloat16(v[i]));
        case BF16 -> seg.setAtIndex(I16, i, (short) (Float.floatToRawIntBits(v[i]) >>> 16));
        default -> seg.setAtIndex(F32, i, v[i]);
      }
    }
    return backend.weight(new WeightData("bench", dtype, shape, seg));
  }

  /**
   * A model's weights, of the names and shapes that building it against {@link Weights#recording} gave: seeded normal
   * F16 values (the seed counting up from 1 in name order), each of standard deviation {@code gain / sqrt(fan-in)}.
   */
  public static Weights f16Model(Backend backend, Arena arena, Map<String, long[]> shapes, double gain) {
    Map<String, MemorySegment> data = new TreeMap<>();
    long seed = 1;
    for (var e : new TreeMap<>(shapes).entrySet()) {
      long[] shape = e.getValue();
      long n = numel(shape);
      float[] v = normal(n, gain / Math.sqrt((double) n / shape[0]), seed++);
      MemorySegment seg = arena.allocate(n * 2, 8);
      for (int i = 0; i < v.length; i++) {
        seg.setAtIndex(I16, i, Float.floatToFloat16(v[i]));
      }
      data.put(e.getKey(), seg);
    }
    return new Weights(backend, shapes.keySet(),
        name -> new WeightData(name, DType.F16, shapes.get(name), data.get(name)));
  }

  static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
