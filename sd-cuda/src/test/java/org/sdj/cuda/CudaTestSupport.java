package org.sdj.cuda;

import org.junit.jupiter.api.Assumptions;
import org.sdj.backend.BackendProvider.Availability;

/** The one skip sdj's tests allow: GPU tests run only where the CUDA backend can start, and say why not elsewhere. */
final class CudaTestSupport {
  private CudaTestSupport() {}

  /** Aborts the calling test class (from a {@code @BeforeAll}) with the provider's reason when CUDA is unusable. */
  static void assumeCuda() {
    Availability a = new CudaBackendProvider().availability();
    Assumptions.assumeTrue(a.usable(), () -> "CUDA backend unavailable: " + a.reason());
  }
}
