package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.sdj.backend.Backend;
import org.sdj.backend.DType;
import org.sdj.backend.HalfPrecision;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;
import org.sdj.backend.reference.ReferenceBackend;

/**
 * The norm kernels at the shapes Stable Diffusion runs them at, which the op conformance cases are too small to reach:
 * groups split over many blocks on the 16-byte path, layer-norm rows held in registers (widths 320 to 1280 and CLIP's
 * 768), the scalar fallbacks beside them, and data whose mean is large against its spread (where merging the chunks'
 * statistics loses precision if done carelessly). Both storage types, against the float64 reference backend, which
 * gets operands already rounded to the storage type: otherwise the rounding of data with a large mean would swamp the
 * kernels' own error. Each again with {@link ClusterGroupNorm}'s one-kernel group norm where it applies (compute
 * capability 9.0 and newer; elsewhere those backends run the same three kernels).
 */
class NormShapesTest {
  /** As {@link CudaOpConformanceTest}'s, though with operands pre-rounded only the output's rounding is left. */
  private static final double F16_TOLERANCE = CudaOpConformanceTest.F16_OP_TOLERANCE;
  /** bfloat16's rounding is 8 times float16's (8 bits of mantissa to 11): about 1.7e-3 on the output alone. */
  private static final double BF16_TOLERANCE = 4 * F16_TOLERANCE;

  private static Backend reference;
  private static CudaBackend f16;
  private static CudaBackend bf16;
  /** The same with channels-last group norms in one kernel ({@link NormKernels#CLUSTER_PROPERTY}) where they apply. */
  private static CudaBackend f16Cluster;
  private static CudaBackend bf16Cluster;

  @BeforeAll
  static void open() {
    CudaTestSupport.assumeCuda();
    reference = new ReferenceBackend();
    f16 = new CudaBackend(CudaOptions.defaults().withComputeType(DType.F16));
    bf16 = new CudaBackend(CudaOptions.defaults().withComputeType(DType.BF16));
    f16Cluster = CudaTestSupport.withProperty(NormKernels.CLUSTER_PROPERTY, "true",
        () -> new CudaBackend(CudaOptions.defaults().withComputeType(DType.F16)));
    bf16Cluster = CudaTestSupport.withProperty(NormKernels.CLUSTER_PROPERTY, "true",
        () -> new CudaBackend(CudaOptions.defaults().withComputeType(DType.BF16)));
  }

  @AfterAll
  static void close() {
    for (Backend b : new Backend[] {f16, bf16, f16Cluster, bf16Cluster, reference}) {
      if (b != null) {
        b.close();
      }
    }
  }

  /** One norm on operands drawn from a seed, so that both backends see the same values. */
  private record Case(String name, long seed, Run run) {}

  private interface Run {
    Tensor apply(Ops ops, Draw draw);
  }

  /** Normal operands rounded to {@code storage}, so that both backends start from the same values. */
  private record Draw(Random random, DType storage) {
    float[] normal(long n, double std, double mean) {
      float[] v = new float[Math.toIntExact(n)];
      for (int i = 0; i < v.length; i++) {
        v[i] = HalfPrecision.round((float) (mean + std * random.nextGaussian()), storage);
      }
      return v;
    }
  }

  private static List<Case> cases() {
    List<Case> c = new ArrayList<>();
    groupNorm(c, 1, 0, true, 2, 320, 64, 64);
    groupNorm(c, 1, 0, false, 2, 640, 32, 32);
    groupNorm(c, 1, 0, true, 2, 1280, 16, 16);
    groupNorm(c, 1, 0, true, 2, 1280, 8, 8);
    groupNorm(c, 1, 0, true, 1, 128, 256, 256);
    groupNorm(c, 0.1, 50, false, 2, 320, 64, 64);
    groupNorm(c, 1, 0, true, 2, 320, 63, 65);
    for (long[] s : new long[][] {{2, 4096, 320}, {2, 1024, 640}, {2, 256, 1280}, {2, 77, 768}, {4, 2048}, {3, 1288},
        {2, 77, 1024}}) {
      c.add(new Case("layerNorm " + Arrays.toString(s), c.size(), (ops, d) -> {
        long width = s[s.length - 1];
        return ops.layerNorm(ops.fromHost(d.normal(numel(s), 1, 0), s), ops.fromHost(d.normal(width, 1, 1), width),
            ops.fromHost(d.normal(width, 1, 0), width), 1e-5f);
      }));
    }
    return c;
  }

  private static void groupNorm(List<Case> c, double std, double mean, boolean silu, long... s) {
    c.add(new Case("groupNorm" + (silu ? "+silu " : " ") + Arrays.toString(s) + " groups 32 of N(" + mean + ", " + std
        + ")", c.size(), (ops, d) -> ops.groupNorm(ops.fromHost(d.normal(numel(s), std, mean), s), 32,
            ops.fromHost(d.normal(s[1], 1, 1), s[1]), ops.fromHost(d.normal(s[1], 1, 0), s[1]), 1e-5f, silu)));
  }

  @TestFactory
  Stream<DynamicTest> matchTheReference() {
    return cases().stream().flatMap(c -> Stream.of(
        DynamicTest.dynamicTest("f16 " + c.name(), () -> check(f16, DType.F16, F16_TOLERANCE, c)),
        DynamicTest.dynamicTest("bf16 " + c.name(), () -> check(bf16, DType.BF16, BF16_TOLERANCE, c)),
        DynamicTest.dynamicTest("f16 cluster " + c.name(), () -> check(f16Cluster, DType.F16, F16_TOLERANCE, c)),
        DynamicTest.dynamicTest("bf16 cluster " + c.name(), () -> check(bf16Cluster, DType.BF16, BF16_TOLERANCE,
            c))));
  }

  private static void check(Backend tested, DType storage, double tolerance, Case c) {
    float[] want = run(reference, storage, c);
    float[] got = run(tested, storage, c);
    double diff = 0;
    double norm = 0;
    for (int i = 0; i < want.length; i++) {
      assertTrue(Float.isFinite(got[i]), "element " + i + " is " + got[i]);
      diff += ((double) got[i] - want[i]) * ((double) got[i] - want[i]);
      norm += (double) want[i] * want[i];
    }
    double rel = Math.sqrt(diff / norm);
    assertTrue(rel <= tolerance, "relative L2 error " + rel + " > " + tolerance);
  }

  private static float[] run(Backend backend, DType storage, Case c) {
    try (Ops ops = backend.ops()) {
      return ops.toHost(c.run().apply(ops, new Draw(new Random(c.seed()), storage)));
    }
  }

  private static long numel(long[] shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
