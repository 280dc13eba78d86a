package org.sdj.cuda;

import org.sdj.backend.Backend;

/** {@link CudaPromptContextsTest} on {@link HostDevice}: sdj's kernels on the CPU emulator, without a GPU. */
class EmulatedPromptContextsTest extends CudaPromptContextsTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
