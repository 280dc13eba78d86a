package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaPagTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedPagTest extends CudaPagTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
