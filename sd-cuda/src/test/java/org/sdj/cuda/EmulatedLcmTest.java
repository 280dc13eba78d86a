package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaLcmTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedLcmTest extends CudaLcmTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
