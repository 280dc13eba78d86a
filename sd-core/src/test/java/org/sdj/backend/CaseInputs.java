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

  /**
   * An activation with elements in [0.5, 1.5). For cases with a handful of output elements: a sum of such terms cannot
   * cancel, where one of unit-normal terms now and then lands near zero and 16-bit storage's rounding of its inputs
   * then dominates a relative error (a one-output convolution, a two-element combine).
   */
  public Tensor positiveAct(long... shape) {
    return ops.fromHost(positive(shape, 1), shape);
  }

  /** A weight in {@code dtype} with normal elements of standard deviation {@code std}. */
  public Tensor weight(DType dtype, double std, long... shape) {
    return weight(dtype, normal(shape, std), shape);
  }

  /** A weight in {@code dtype} with elements in [0.5, 1.5) x {@code scale} (see {@link #positiveAct}). */
  public Tensor positiveWeight(DType dtype, double scale, long... shape) {
    return weight(dtype, positive(shape, scale), shape);
  }

  private Tensor weight(DType dtype, float[] v, long[] shape) {
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

  private float[] positive(long[] shape, double scale) {
    float[] v = new float[(int) Shapes.numel(shape)];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) ((0.5 + random.nextDouble()) * scale);
    }
    return v;
  }
}
