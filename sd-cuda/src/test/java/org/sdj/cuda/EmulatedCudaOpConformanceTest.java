package org.sdj.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.sdj.backend.Backend;
import org.sdj.backend.OpConformanceTest;

/**
 * {@link CudaOpConformanceTest} on {@link HostDevice}: every op of {@link CudaBackend} and {@link CudaOps} against the
 * reference backend at the GPU test's tolerance, sdj's kernels on the CPU emulator and the GEMMs and convolutions on
 * the host, so that the backend's own shapes, layouts, addresses and caches are tested without a GPU. Skips, as the
 * other emulated tests do, where the emulator cannot be built. (It extends the op suite itself: JUnit would still run
 * CudaOpConformanceTest's GPU check, a static {@code @BeforeAll}, for a subclass that hides it.)
 */
class EmulatedCudaOpConformanceTest extends OpConformanceTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  /** The options of the backend under test; subclasses run the suite on the backend's other paths. */
  CudaOptions options() {
    return CudaOptions.defaults();
  }

  @Override
  protected final Backend backend() {
    return HostDevice.backend(options());
  }

  @Override
  protected double tolerance() {
    return CudaOpConformanceTest.F16_OP_TOLERANCE;
  }
}
