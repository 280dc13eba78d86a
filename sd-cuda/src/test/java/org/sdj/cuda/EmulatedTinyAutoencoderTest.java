package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaTinyAutoencoderTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedTinyAutoencoderTest extends CudaTinyAutoencoderTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
