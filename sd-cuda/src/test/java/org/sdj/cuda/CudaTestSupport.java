package org.sdj.cuda;

import java.util.SplittableRandom;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.sdj.backend.Backend;
import org.sdj.backend.BackendProvider.Availability;
import org.sdj.backend.reference.ReferenceBackend;
import org.sdj.conformance.TensorAssert;
import org.sdj.io.TestFixtures;
import org.sdj.io.model.LoadOptions;
import org.sdj.pipeline.PipelineComponents;

/**
 * The one skip sdj's tests allow (GPU tests run only where the CUDA backend can start, and say why not elsewhere), and
 * backends made under a system property's switch.
 */
final class CudaTestSupport {
  private CudaTestSupport() {}

  /** Aborts the calling test class (from a {@code @BeforeAll}) with the provider's reason when CUDA is unusable. */
  static void assumeCuda() {
    Availability a = new CudaBackendProvider().availability();
    Assumptions.assumeTrue(a.usable(), () -> "CUDA backend unavailable: " + a.reason());
  }

  /** {@code body}'s result with system property {@code name} set to {@code value}, which is then restored. */
  static <T> T withProperty(String name, String value, Supplier<T> body) {
    String before = System.setProperty(name, value);
    try {
      return body.get();
    } finally {
      restoreProperty(name, before);
    }
  }

  /** System property {@code name} set back to {@code before}, or cleared where {@code before} is null (unset). */
  static void restoreProperty(String name, String before) {
    if (before == null) {
      System.clearProperty(name);
    } else {
      System.setProperty(name, before);
    }
  }

  /**
   * {@code run} on the tiny SD 1.x fixture model loaded on {@code backend} (the caller's; it stays open), the model
   * closed after.
   */
  static <T> T onTinySd1(Backend backend, BiFunction<PipelineComponents, Backend, T> run) {
    try (PipelineComponents components = PipelineComponents.load(TestFixtures.path("tiny-sd1"), LoadOptions.defaults(),
        backend)) {
      return run.apply(components, backend);
    }
  }

  /**
   * Asserts that {@code run} on the tiny SD 1.x model gives on {@code backend} what it gives on the reference backend,
   * within the model tolerance (relative L2 1e-2, for fp16).
   */
  static void assertAgreesWithReference(Supplier<Backend> backend,
      BiFunction<PipelineComponents, Backend, float[]> run) {
    float[] expected;
    try (Backend reference = new ReferenceBackend()) {
      expected = onTinySd1(reference, run);
    }
    try (Backend b = backend.get()) {
      double error = TensorAssert.relativeL2(onTinySd1(b, run), expected);
      Assertions.assertTrue(error <= 1e-2, "relative L2 " + error);
    }
  }

  /** {@code n} standard normal values from a {@link SplittableRandom} seeded with {@code seed}: a test's latents. */
  static float[] gaussian(int n, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) random.nextGaussian();
    }
    return out;
  }
}
