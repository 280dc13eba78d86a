package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaUpscalerTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedUpscalerTest extends CudaUpscalerTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
