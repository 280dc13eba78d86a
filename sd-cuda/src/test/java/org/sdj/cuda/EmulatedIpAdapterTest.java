package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaIpAdapterTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedIpAdapterTest extends CudaIpAdapterTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
