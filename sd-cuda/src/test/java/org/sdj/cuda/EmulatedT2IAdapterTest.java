package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaT2IAdapterTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedT2IAdapterTest extends CudaT2IAdapterTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
