package org.sdj.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.sdj.backend.Backend;
import org.sdj.pipeline.VaeUpcastTest;

/**
 * {@link VaeUpcastTest} on {@link HostDevice}: the CUDA backend's float16 kernels overflow on the emulator as on a GPU,
 * and the pipeline decodes again on the backend's bfloat16 sibling.
 */
class EmulatedVaeUpcastTest extends VaeUpcastTest {
  @BeforeAll
  static void needsEmulator() {
    EmulatedKernels.dispatch();
  }

  @Override
  protected Backend float16Backend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
