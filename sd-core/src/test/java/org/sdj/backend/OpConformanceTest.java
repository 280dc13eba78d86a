package org.sdj.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.Arena;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * Runs every case of {@link OpCases} on a backend and on the {@link ReferenceBackend} and compares the results, as
 * ggml's test-backend-ops does; also checks that the backend rejects bad operands the way the contract says. A backend's
 * test is a subclass that says which backend to test.
 */
public abstract class OpConformanceTest {
  /**
   * Largest relative L2 error {@code |y - ref| / |ref|} accepted for float32 kernels: float32 rounding of sums of a
   * few thousand products stays well below it, a wrong index does not.
   */
  protected static final double F32_TOLERANCE = 1e-5;

  /**
   * Operands are fresh each run, as ggml's test-backend-ops draws them: every case's seed mixes in this run's, which a
   * failure names; {@code -Dsdj.test.seed=N} repeats a run.
   */
  public static final long RUN_SEED = Long.getLong("sdj.test.seed", System.nanoTime());

  private Backend reference;
  private Backend tested;

  /** A new instance of the backend under test; the harness closes it. */
  protected abstract Backend backend();

  /** The relative L2 error accepted; override for backends that compute in lower precision. */
  protected double tolerance() {
    return F32_TOLERANCE;
  }

  /**
   * A new instance of the backend the results are compared with: the reference backend, or an emulation of the tested
   * backend's storage on it ({@link HalfStorageBackend}) where that storage's rounding alone would swamp a relative
   * measure.
   */
  protected Backend referenceBackend() {
    return new ReferenceBackend();
  }

  @BeforeEach
  void open() {
    reference = referenceBackend();
    tested = backend();
  }

  @AfterEach
  void close() {
    tested.close();
    reference.close();
  }

  @TestFactory
  Stream<DynamicTest> ops() {
    return OpCases.all().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private void check(OpCase c) {
    Result want = run(reference, c).get(0);
    for (Result got : run(tested, c)) {
      compare(want, got, " (operands of -Dsdj.test.seed=" + RUN_SEED + ")");
    }
  }

  private void compare(Result want, Result got, String seed) {
    assertArrayEquals(want.shape, got.shape, "shape" + seed);
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < want.values.length; i++) {
      if (!Float.isFinite(got.values[i])) {
        fail("element " + i + " is " + got.values[i] + ", expected " + want.values[i] + seed);
      }
      double d = (double) got.values[i] - want.values[i];
      diff += d * d;
      norm += (double) want.values[i] * want.values[i];
    }
    double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-30);
    assertTrue(rel <= tolerance(), "relative L2 error " + rel + " > " + tolerance() + seed);
  }

  /**
   * The case run twice in one scope, the first result closed before the second run: a backend that reuses the
   * arrays of closed results (the heap backends, which fill reused arrays with NaN under assertions) must still write
   * every element of the second.
   */
  private static List<Result> run(Backend backend, OpCase c) {
    try (Arena arena = Arena.ofConfined(); Ops ops = backend.ops()) {
      Tensor first = c.run().apply(new CaseInputs(backend, ops, arena, c.seed() ^ RUN_SEED));
      Result one = new Result(first.shape(), ops.toHost(first));
      first.close();
      Tensor second = c.run().apply(new CaseInputs(backend, ops, arena, c.seed() ^ RUN_SEED));
      return List.of(one, new Result(second.shape(), ops.toHost(second)));
    }
  }

  private record Result(long[] shape, float[] values) {}

  // ---- contract checks --------------------------------------------------------------------------------------------

  @Test
  void rejectsMismatchedShapesNamingThem() {
    try (Ops ops = tested.ops()) {
      Tensor x = ops.fromHost(new float[6], 2, 3);
      Tensor w = ops.fromHost(new float[8], 2, 4);
      var e = assertThrows(IllegalArgumentException.class, () -> ops.linear(x, w, null, null));
      assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("[2, 4]"), e.getMessage());
      assertThrows(IllegalArgumentException.class, () -> ops.add(x, ops.fromHost(new float[2], 2)));
      assertThrows(IllegalArgumentException.class, () -> ops.fromHost(new float[5], 2, 3));
      assertThrows(IllegalArgumentException.class, () -> ops.attention(x, x, x, 2, 1, false));
      assertThrows(IllegalArgumentException.class, () -> ops.conv2d(ops.reshape(x, 1, 1, 2, 3),
          ops.fromHost(new float[9], 1, 1, 3, 3), null, Conv2dParams.of(1, 0), null));
      assertThrows(IllegalArgumentException.class, () -> ops.groupNorm(ops.reshape(x, 1, 3, 2), 2,
          ops.fromHost(new float[3], 3), ops.fromHost(new float[3], 3), 1e-5f, false));
    }
  }

  @Test
  void closedTensorsAndScopesCannotBeUsed() {
    Ops ops = tested.ops();
    Tensor x = ops.fromHost(new float[] {1, 2}, 2);
    Tensor y = ops.scale(x, 2);
    x.close();
    x.close();
    assertThrows(IllegalStateException.class, () -> ops.scale(x, 2));
    assertArrayEquals(new float[] {2, 4}, ops.toHost(y));
    ops.close();
    assertThrows(IllegalStateException.class, () -> ops.toHost(y));
    assertThrows(IllegalStateException.class, () -> ops.fromHost(new float[1], 1));
  }

  @Test
  void closingTheBackendFreesItsWeights() {
    Backend other = backend();
    try (Arena arena = Arena.ofConfined()) {
      Tensor w = new CaseInputs(other, null, arena, 1).weight(DType.F16, 1, 3);
      Ops ops = other.ops();
      other.close();
      assertThrows(IllegalStateException.class, () -> ops.scale(w, 1));
      ops.close();
      assertThrows(IllegalStateException.class, other::ops);
    }
  }

  @Test
  void rejectsTensorsOfOtherBackends() {
    try (Ops mine = tested.ops(); Ops theirs = reference.ops()) {
      Tensor foreign = theirs.fromHost(new float[] {1}, 1);
      assertThrows(IllegalArgumentException.class, () -> mine.scale(foreign, 2));
    }
  }
}
