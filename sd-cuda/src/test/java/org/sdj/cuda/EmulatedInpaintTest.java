package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaInpaintTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedInpaintTest extends CudaInpaintTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
