package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaSdxlTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedSdxlTest extends CudaSdxlTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
