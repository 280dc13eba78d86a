package org.sdj.backend;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Seeded random operands for one op case on one backend. Two instances with the same seed hand out the same values in
 * the same order, so a case run on two backends sees identical inputs.
 */
public final class CaseInputs {
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

  private final Backend backend;
  private final Ops ops;
  private final Arena arena;
  private final Random random;

  CaseInputs(Backend backend, Ops ops, Arena arena, long seed) {
    this.backend = backend;
    this.ops = ops;
    this.arena = arena;
    this.random = new Random(seed);
  }

  public Ops ops() {
    return ops;
  }

  /** An activation (the backend's activation type) with unit-normal elements. */
  public Tensor act(long... shape) {
    return ops.fromHost(normal(shape, 1), shape);
  }

  /** A float32 tensor with unit-normal elements, as the denoising loop keeps its latents on every backend. */
  public Tensor latent(long... shape) {
    return ops.fromHost(normal(shape, 1), DType.F32, shape);
  }

  /** A weight in {@code dtype} with normal elements of standard deviation {@code std}. */
  public Tensor weight(DType dtype, double std, long... shape) {
    float[] v = normal(shape, std);
    MemorySegment seg = arena.allocate((long) v.length * dtype.byteSize());
    for (int i = 0; i < v.length; i++) {
      switch (dtype) {
        case F32 -> seg.setAtIndex(F32, i, v[i]);
        case F16 -> seg.setAtIndex(I16, i, Float.floatToFloat16(v[i]));
        case BF16 -> seg.setAtIndex(I16, i, (short) (Float.floatToRawIntBits(v[i]) >>> 16));
        default -> throw new IllegalArgumentException("not a weight dtype: " + dtype);
      }
    }
    return backend.weight(new WeightData("w" + Shapes.str(shape), dtype, shape, seg));
  }

  /** Random ids in {@code [0, bound)}. */
  public int[] ids(int count, int bound) {
    int[] ids = new int[count];
    for (int i = 0; i < count; i++) {
      ids[i] = random.nextInt(bound);
    }
    return ids;
  }

  private float[] normal(long[] shape, double std) {
    float[] v = new float[(int) Shapes.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) (random.nextGaussian() * std);
    }
    return v;
  }
}
