package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;
import java.util.Random;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;
import org.sdj.backend.OpConformanceTest;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * One emulated kernel test's host memory, random operands and reference ops: operands are drawn, rounded to the
 * storage type and written to the host memory the emulated kernels read, and the same rounded values go to the
 * reference ops, so both sides start alike. Outputs start as NaN, so an element no thread writes shows.
 */
final class HostRun implements AutoCloseable {
  /** Relative L2 tolerance of bfloat16 storage, as Bf16OpConformanceTest's (float16: CudaOpConformanceTest's). */
  static final double BF16_OP_TOLERANCE = 8e-3;

  private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED;
  private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED;

  final DType type;
  final Launcher launcher;
  final Ops ref;
  private final ReferenceBackend reference = new ReferenceBackend();
  private final Arena arena = Arena.ofConfined();
  private final Random random;

  /**
   * Operands drawn afresh each run, as the op conformance suites' are ({@link OpConformanceTest#RUN_SEED}, which a
   * failure names): {@code -Dsdj.test.seed=N} repeats a run's.
   */
  HostRun(DType type, String test) {
    this.type = type;
    this.launcher = EmulatedKernels.launcher(type);
    this.ref = reference.ops();
    this.random = new Random(OpConformanceTest.RUN_SEED * 31 + test.hashCode() + type.ordinal());
  }

  /** {@code n} values in [-2, 2) as {@link #type} stores them. */
  float[] random(int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = HalfPrecision.round(random.nextFloat() * 4 - 2, type);
    }
    return v;
  }

  /** {@code n} values in [lo, hi) as {@link #type} stores them. */
  float[] random(int n, float lo, float hi) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = HalfPrecision.round(lo + random.nextFloat() * (hi - lo), type);
    }
    return v;
  }

  int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** {@code v} in {@link #type} at a new 16-byte aligned address. */
  long put(float[] v) {
    return put(v, 0);
  }

  /** {@code v} in {@link #type} 2 bytes past a 16-byte boundary, where no vector path may read it. */
  long putMisaligned(float[] v) {
    return put(v, 1);
  }

  private long put(float[] v, int shift) {
    MemorySegment s = arena.allocate(2L * (v.length + shift) + 16, 16).asSlice(2L * shift);
    for (int i = 0; i < v.length; i++) {
      s.setAtIndex(I16, i, HalfPrecision.encode(v[i], type));
    }
    return s.address();
  }

  long putF32(float[] v) {
    MemorySegment s = arena.allocate(4L * v.length + 16, 16);
    for (int i = 0; i < v.length; i++) {
      s.setAtIndex(F32, i, v[i]);
    }
    return s.address();
  }

  long putInts(int[] v) {
    return arena.allocateFrom(ValueLayout.JAVA_INT, v).address();
  }

  /** Room for {@code n} 16-bit outputs, all NaN, 16-byte aligned. */
  long output(int n) {
    return output(n, 0);
  }

  long outputMisaligned(int n) {
    return output(n, 1);
  }

  private long output(int n, int shift) {
    float[] nan = new float[n];
    Arrays.fill(nan, Float.NaN);
    return put(nan, shift);
  }

  /** Room for {@code n} float32 outputs, all NaN. */
  long outputF32(int n) {
    float[] nan = new float[n];
    Arrays.fill(nan, Float.NaN);
    return putF32(nan);
  }

  /** {@code n} floats of scratch, contents undefined (NaN). */
  long scratchF32(long n) {
    return outputF32(Math.toIntExact(n));
  }

  float[] get(long address, int n) {
    MemorySegment s = MemorySegment.ofAddress(address).reinterpret(2L * n);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = HalfPrecision.decode(s.getAtIndex(I16, i), type);
    }
    return v;
  }

  float[] getF32(long address, int n) {
    MemorySegment s = MemorySegment.ofAddress(address).reinterpret(4L * n);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = s.getAtIndex(F32, i);
    }
    return v;
  }

  /** {@code v} as a reference tensor of {@code shape}. */
  Tensor tensor(float[] v, long... shape) {
    return ref.fromHost(v, shape);
  }

  float[] host(Tensor t) {
    return ref.toHost(t);
  }

  /** The relative L2 error the GPU op tests accept for this storage type. */
  double tolerance() {
    return type == DType.BF16 ? BF16_OP_TOLERANCE : CudaOpConformanceTest.F16_OP_TOLERANCE;
  }

  /** {@code got} within {@link #tolerance()} of {@code want} (relative L2), every element finite. */
  void assertClose(float[] want, float[] got, String what) {
    assertClose(want, got, tolerance(), what);
  }

  static void assertClose(float[] want, float[] got, double tolerance, String what) {
    assertEquals(want.length, got.length, what + ": length");
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < want.length; i++) {
      if (!Float.isFinite(got[i])) {
        fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i] + seed());
      }
      double d = (double) got[i] - want[i];
      diff += d * d;
      norm += (double) want[i] * want[i];
    }
    double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    assertTrue(rel <= tolerance, what + ": relative L2 error " + rel + " > " + tolerance + seed());
  }

  /** How a failure names its operands' seed. */
  static String seed() {
    return " (operands of -Dsdj.test.seed=" + OpConformanceTest.RUN_SEED + ")";
  }

  /** {@code got} equal to {@code want} element for element: data movement copies bits. */
  static void assertSame(float[] want, float[] got, String what) {
    assertEquals(want.length, got.length, what + ": length");
    for (int i = 0; i < want.length; i++) {
      if (Float.floatToIntBits(want[i]) != Float.floatToIntBits(got[i])) {
        fail(what + ": element " + i + " is " + got[i] + ", expected " + want[i] + seed());
      }
    }
  }

  @Override
  public void close() {
    ref.close();
    reference.close();
    arena.close();
  }
}
