package org.sdj.cuda;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.sdj.backend.OpConformanceTest;
import org.sdj.backend.Ops;
import org.sdj.backend.Tensor;

/**
 * FlashAttention's accuracy rule on the GPU: against an exact (float64) reference, the fused kernel's error is at most
 * twice that of a naive float16 implementation on the same float16 inputs. Runs over the head sizes of SD 1.x/2.x/XL,
 * a size that needs padding, a causal case and CLIP's 77-key cross-attention shape, and the kernels' own paths: row
 * counts that are not a multiple of their 128-row blocks or key tiles, head sizes that are not a multiple of 8 (plain
 * loads instead of cp.async), the dynamic shared memory of the larger head sizes, causal at d 160, and a negative
 * scale. Each subclass runs these cases on one attention kernel ({@link #options}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class FlashAttentionRuleCases {
  private CudaBackend backend;

  /** The backend options that select the kernel under test. */
  abstract CudaOptions options();

  /** Aborts the class (a JUnit assumption) where {@code backend} does not run the kernel under test. */
  void assumeKernel(CudaBackend backend) {}

  @BeforeAll
  void open() {
    CudaTestSupport.assumeCuda();
    backend = new CudaBackend(options());
    assumeKernel(backend);
  }

  @AfterAll
  void close() {
    if (backend != null) {
      backend.close();
    }
  }

  private static final String[] CASES = {"2,1024,1024,40,false", "2,1024,1024,64,false", "2,1024,77,80,false",
      "1,1024,1024,128,false", "1,512,512,160,false", "2,300,300,24,false", "2,333,333,64,true", "1,77,77,64,true",
      "1,300,300,512,false", "2,200,150,20,false", "1,70,77,36,false", "2,257,190,96,false", "1,300,260,160,true",
      "1,130,100,80,true", "1,45,33,128,false", "3,129,129,48,true"};

  static Stream<Arguments> cases() {
    return Stream.of(CASES).map(c -> {
      String[] f = c.split(",");
      return Arguments.of(Integer.parseInt(f[0]), Integer.parseInt(f[1]), Integer.parseInt(f[2]),
          Integer.parseInt(f[3]), Boolean.parseBoolean(f[4]));
    });
  }

  @ParameterizedTest(name = "heads={0} nq={1} nk={2} d={3} causal={4}")
  @MethodSource("cases")
  void withinTwiceTheNaiveFp16Error(int heads, int nq, int nk, int d, boolean causal) {
    check(heads, nq, nk, d, causal, (float) (1 / Math.sqrt(d)));
  }

  /** A negative scale (the kernel negates the queries to keep its row maxima on raw scores). */
  @Test
  void negativeScale() {
    check(2, 150, 140, 64, false, -0.2f);
  }

  private void check(int heads, int nq, int nk, int d, boolean causal, float scale) {
    Random r = new Random((31L * nq + d) ^ OpConformanceTest.RUN_SEED);
    float[] q = NaiveAttentionTest.half(r, nq * heads * d);
    float[] k = NaiveAttentionTest.half(r, nk * heads * d);
    float[] v = NaiveAttentionTest.half(r, nk * heads * d);
    float[] got;
    try (Ops ops = backend.ops()) {
      Tensor o = ops.attention(ops.fromHost(q, 1, nq, heads * d), ops.fromHost(k, 1, nk, heads * d),
          ops.fromHost(v, 1, nk, heads * d), heads, scale, causal);
      got = ops.toHost(o);
    }
    for (int h = 0; h < heads; h++) {
      float[] qh = head(q, nq, heads, d, h);
      float[] kh = head(k, nk, heads, d, h);
      float[] vh = head(v, nk, heads, d, h);
      double[] exact = NaiveAttention.exact(qh, kh, vh, nq, nk, d, scale, causal);
      double naive = NaiveAttention.relativeError(NaiveAttention.fp16(qh, kh, vh, nq, nk, d, scale, causal), exact);
      float[] gh = head(got, nq, heads, d, h);
      double[] fused = new double[gh.length];
      for (int i = 0; i < gh.length; i++) {
        assertTrue(Float.isFinite(gh[i]), "element " + i + " of head " + h + " is " + gh[i]);
        fused[i] = gh[i];
      }
      double err = NaiveAttention.relativeError(fused, exact);
      assertTrue(err <= 2 * naive,
          "head " + h + ": fused error " + err + " > 2 x naive fp16 error " + naive
              + " (operands of -Dsdj.test.seed=" + OpConformanceTest.RUN_SEED + ")");
    }
  }

  private static float[] head(float[] x, int n, int heads, int d, int h) {
    float[] out = new float[n * d];
    for (int i = 0; i < n; i++) {
      System.arraycopy(x, (i * heads + h) * d, out, i * d, d);
    }
    return out;
  }
}
