package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaTilingTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedTilingTest extends CudaTilingTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
