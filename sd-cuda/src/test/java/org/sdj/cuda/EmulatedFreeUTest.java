package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaFreeUTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedFreeUTest extends CudaFreeUTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
