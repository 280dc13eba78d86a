package org.sdj.cuda;

import org.sdj.backend.Backend;

/**
 * {@link CudaModelConformanceTest} on {@link HostDevice}: the fixture models (text encoder, UNet, VAE, whole txt2img
 * runs) through {@link CudaBackend} and {@link CudaOps} without a GPU, sdj's kernels on the CPU emulator, at the GPU
 * test's tolerances. Skips where the emulator cannot be built.
 */
class EmulatedModelConformanceTest extends CudaModelConformanceTest {
  @Override
  protected Backend createBackend() {
    return HostDevice.backend(CudaOptions.defaults());
  }
}
