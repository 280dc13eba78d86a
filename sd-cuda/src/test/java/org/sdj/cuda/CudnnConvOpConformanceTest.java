package org.sdj.cuda;

import org.sdj.backend.Backend;

/**
 * {@link CudaOpConformanceTest} with every convolution on cuDNN ({@link CudaOptions#gemmConvPixels()} 0), so that
 * both of the backend's convolution paths meet the reference at every shape, small ones included.
 */
class CudnnConvOpConformanceTest extends CudaOpConformanceTest {
  @Override
  protected Backend backend() {
    return new CudaBackend(CudaOptions.defaults().withGemmConvPixels(0));
  }
}
