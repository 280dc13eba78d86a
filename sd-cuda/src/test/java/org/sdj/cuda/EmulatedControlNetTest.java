package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaControlNetTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedControlNetTest extends CudaControlNetTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
